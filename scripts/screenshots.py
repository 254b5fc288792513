"""Screenshots of portal pages in French, Arabic and English, at desktop and phone widths, in Chromium.

    python scripts/screenshots.py --base http://127.0.0.1:8000 / /tournee/relance-2026/
    python scripts/screenshots.py --login staff:staff-pass-2026 /admin/

Pictures go to test-artifacts/screenshots/<page>-<language>-<width>.png, full page, for a person to look at.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

LANGUAGES = ("fr", "ar", "en")
WIDTHS = (1366, 360)
OUTPUT = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--login", help="username:password, signed in through /comptes/login/ first")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    options = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width in map(int, options.widths.split(",")):
            for language in options.languages.split(","):
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.add_cookies([{"name": "django_language", "value": language, "url": options.base}])
                page = context.new_page()
                if options.login:
                    username, password = options.login.split(":", 1)
                    page.goto(f"{options.base}/comptes/login/")
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", password)
                    page.press("input[name=password]", "Enter")
                    page.wait_for_load_state("networkidle")
                for path in options.paths:
                    page.goto(options.base + path)
                    page.wait_for_load_state("networkidle")
                    target = OUTPUT / f"{_name(path)}-{language}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
