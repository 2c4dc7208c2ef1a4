#!/usr/bin/env python3
"""Generate the PWA icons and favicon from public/icons/icon.svg.

Requires:  pip install pillow            (always)
Optional:  pip install cairosvg          (renders the SVG exactly; needs libcairo2)
           apt-get install pngquant        (smoother gradients in the quantised PNGs)

Without cairosvg the script falls back to drawing the same shapes with Pillow,
reading the geometry (corner radius, gradient stops, the "M" path and stroke
width) from icon.svg, so icon.svg stays the single source of truth.

Run from anywhere:  python3 scripts/gen-icons.py
Writes (overwriting):
  public/icons/icon-192.png          192x192, rounded square (purpose "any")
  public/icons/icon-512.png          512x512, rounded square (purpose "any")
  public/icons/maskable-512.png      512x512, full-bleed background, mark in the 80% safe zone
  public/icons/apple-touch-icon.png  180x180, full-bleed (iOS rounds the corners itself)
  public/favicon.ico                 32x32 + 16x16
"""

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "public" / "icons"
SVG_PATH = ICONS / "icon.svg"

# Maskable icons may be cropped to a circle of diameter 80% of the canvas;
# shrinking the mark keeps its corners well inside that circle.
MASKABLE_SCALE = 0.78
APPLE_SCALE = 0.88


def variant_svg(svg: str, full_bleed: bool, scale: float = 1.0) -> str:
    """Derive a variant of icon.svg: square corners and/or a scaled mark."""
    if full_bleed:
        svg, n = re.subn(r'(<rect id="bg"[^>]*?)\s+rx="[^"]*"', r"\1", svg)
        assert n == 1, "icon.svg: expected <rect id=\"bg\" ... rx=...>"
    if scale != 1.0:
        off = 256 * (1 - scale)
        svg, n = re.subn(
            r'<g id="mark">',
            f'<g id="mark" transform="translate({off:.2f} {off:.2f}) scale({scale})">',
            svg,
        )
        assert n == 1, "icon.svg: expected <g id=\"mark\">"
    return svg


# ---------- renderers ----------

def render_cairo(svg: str, size: int) -> Image.Image:
    import cairosvg  # noqa: PLC0415 (optional dependency)

    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=size, output_height=size)
    return Image.open(io.BytesIO(png)).convert("RGBA")


def _hex(c: str):
    c = c.lstrip("#")
    return tuple(int(c[i : i + 2], 16) for i in (0, 2, 4))


def render_pillow(svg: str, size: int) -> Image.Image:
    """Draw the shapes of icon.svg with Pillow (supersampled, then downscaled)."""
    ss = 4
    big = 512 * ss
    stops = [_hex(c) for c in re.findall(r'stop-color="(#[0-9a-fA-F]{6})"', svg)]
    c0, c1 = stops[0], stops[-1]
    rx_m = re.search(r'<rect id="bg"[^>]*?rx="([\d.]+)"', svg)
    rx = float(rx_m.group(1)) if rx_m else 0.0
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    stroke = float(re.search(r'stroke-width="([\d.]+)"', svg).group(1))
    tf = re.search(r'translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)', svg)
    tx, ty, sc = (float(tf.group(1)), float(tf.group(2)), float(tf.group(3))) if tf else (0, 0, 1)

    # Diagonal gradient (top-left -> bottom-right), as in the SVG.
    v = Image.linear_gradient("L")  # 256x256, 0 at top -> 255 at bottom
    grad = ImageChops.add(v, v.rotate(90), scale=2).resize((big, big))  # (x + y) / 2
    bg = Image.composite(Image.new("RGBA", (big, big), c1 + (255,)),
                         Image.new("RGBA", (big, big), c0 + (255,)), grad)
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=rx * ss, fill=255)
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    img.paste(bg, (0, 0), mask)

    # Absolute M/L/H/V path -> polyline.
    pts, x, y = [], 0.0, 0.0
    for cmd, args in re.findall(r"([MLHV])([^MLHV]*)", path):
        nums = [float(n) for n in re.findall(r"-?[\d.]+", args)]
        if cmd in "ML":
            x, y = nums[0], nums[1]
        elif cmd == "H":
            x = nums[0]
        else:
            y = nums[0]
        pts.append(((tx + x * sc) * ss, (ty + y * sc) * ss))
    w = stroke * sc * ss
    d = ImageDraw.Draw(img)
    d.line(pts, fill="white", width=round(w), joint="curve")
    for px, py in (pts[0], pts[-1]):  # round caps
        d.ellipse((px - w / 2, py - w / 2, px + w / 2, py + w / 2), fill="white")
    return img.resize((size, size), Image.LANCZOS)


def render(svg: str, size: int) -> Image.Image:
    try:
        return render_cairo(svg, size)
    except (ImportError, OSError):
        return render_pillow(svg, size)


# ---------- output ----------

def quantise(img: Image.Image) -> bytes:
    """Palette-quantise (the icon has few colours) to keep each PNG a few KB.

    pngquant (apt install pngquant) keeps the gradient smooth; Pillow's RGBA
    quantiser only finds ~50 colours and shows faint bands, so it is the fallback.
    """
    raw = io.BytesIO()
    img.save(raw, "PNG")
    if shutil.which("pngquant"):
        out = subprocess.run(
            ["pngquant", "--nofs", "--speed", "1", "--strip", "256", "-"],
            input=raw.getvalue(), capture_output=True, check=False,
        )
        if out.returncode == 0 and out.stdout:
            return out.stdout
    q = img.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    q.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def save_png(img: Image.Image, path: Path) -> None:
    path.write_bytes(quantise(img))
    print(f"{path.relative_to(ROOT)}: {img.width}x{img.height}, {path.stat().st_size / 1024:.1f} KB")


def main() -> int:
    svg = SVG_PATH.read_text()
    try:
        import cairosvg  # noqa: F401,PLC0415

        print("renderer: cairosvg")
    except (ImportError, OSError):
        print("renderer: pillow (cairosvg not available)")
    print("quantiser:", "pngquant" if shutil.which("pngquant") else "pillow (pngquant not found)")

    rounded = svg
    maskable = variant_svg(svg, full_bleed=True, scale=MASKABLE_SCALE)
    apple = variant_svg(svg, full_bleed=True, scale=APPLE_SCALE)

    save_png(render(rounded, 192), ICONS / "icon-192.png")
    save_png(render(rounded, 512), ICONS / "icon-512.png")
    save_png(render(maskable, 512), ICONS / "maskable-512.png")
    save_png(render(apple, 180), ICONS / "apple-touch-icon.png")

    ico = ROOT / "public" / "favicon.ico"
    # Render each size separately so the 16px one is crisp, not a downscale.
    render(rounded, 32).save(ico, format="ICO", sizes=[(32, 32), (16, 16)],
                             append_images=[render(rounded, 16)])
    print(f"{ico.relative_to(ROOT)}: 32x32+16x16, {ico.stat().st_size / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
