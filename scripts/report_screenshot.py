#!/usr/bin/python3
"""A screenshot of a page of `migflow report`, as docs/figures/report.png was made.

Usage: report_screenshot.py BRIEF.html -o SHOT.png [--width PIXELS]

Opens the page in Debian's headless chromium at the given width (default
1100), cuts the empty background below the page and stores it with a
palette of 256 colours (a few hundred kB for a whole briefing). Needs
chromium and python3-pil (Debian's, installed with python3-matplotlib).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--width", type=int, default=1100)
    args = parser.parse_args()
    try:
        from PIL import Image
    except ImportError:
        sys.exit("report_screenshot: needs Debian's python3-pil")
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("report_screenshot: needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="migflow-shot-") as workdir:
        raw = os.path.join(workdir, "page.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={workdir}/profile",
                        f"--window-size={args.width},8000", f"--screenshot={raw}",
                        "file://" + os.path.abspath(args.page)],
                       check=True, capture_output=True, timeout=120)
        image = Image.open(raw).convert("RGB")
    width, height = image.size
    pixels = image.load()
    background = pixels[width - 1, height - 1]
    last = height - 1
    while last > 0 and all(pixels[x, last] == background for x in range(0, width, 4)):
        last -= 1
    image = image.crop((0, 0, width, min(height, last + 20)))
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                   dither=Image.Dither.NONE).save(args.output, optimize=True)
    print(f"{args.output}: {image.size[0]} x {image.size[1]}, "
          f"{os.path.getsize(args.output) // 1024} kB")


if __name__ == "__main__":
    main()
