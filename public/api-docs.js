// Boots Swagger UI (vendored from npm into /vendor/swagger-ui by scripts/install-tools, so the
// docs work without internet access). An external file because the CSP forbids inline scripts.
window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
});
