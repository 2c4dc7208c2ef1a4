-- API keys are bound to one workspace; keys made before workspaces existed have none and can
-- only reach account-level endpoints.
alter table api_keys add column workspace_id binary(16) null;
alter table api_keys add key api_keys_workspace_idx (workspace_id);
