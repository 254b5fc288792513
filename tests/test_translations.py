"""The committed catalogues translate every string the code and templates use, in Arabic and English."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import translation

TRANSLATED = ["ar", "en"]
CATALOGUES = ["fr", *TRANSLATED]
# Not sources: installed packages, run-time files, test output, history.
SKIPPED = [".venv", "node_modules", "var", "test-artifacts", ".git"]


def _statistics(po_file) -> str:
    # --check also compares the placeholders of every translation with its msgid.
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stderr.splitlines() if "warning: header field" not in line]
    assert result.returncode == 0, result.stderr
    return "\n".join(errors)


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """The committed catalogues merged with the strings extracted from today's code.

    makemessages writes into the locale folder beside the sources, so it runs on a
    scratch copy of them: the working tree is never touched.
    """
    scratch = tmp_path_factory.mktemp("sources") / "project"
    shutil.copytree(
        settings.BASE_DIR,
        scratch,
        ignore=shutil.ignore_patterns(*SKIPPED, "*.mo", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--verbosity=0",
            *[f"--locale={language}" for language in CATALOGUES],
            *[f"--ignore={pattern}" for pattern in SKIPPED],
        ],
        cwd=scratch,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "onmt_portal.settings"},
        check=True,
    )
    return scratch / "locale"


@pytest.mark.parametrize("language", CATALOGUES)
def test_catalogue_is_committed(language):
    assert (settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_in_use_is_translated_and_none_is_fuzzy(fresh_catalogues, language):
    statistics = _statistics(fresh_catalogues / language / "LC_MESSAGES" / "django.po")
    assert re.fullmatch(r"\d+ translated messages\.", statistics), (
        f"{language}: {statistics} — run makemessages and translate the new strings"
    )


@pytest.mark.parametrize(
    ("language", "zero", "one", "two"),
    [
        ("fr", "0 place restante", "1 place restante", "2 places restantes"),
        ("en", "0 seats left", "1 seat left", "2 seats left"),
        ("ar", "0 مقعد متبقٍّ", "1 مقعد متبقٍّ", "2 مقعدان متبقيان"),
    ],
)
def test_plurals_follow_each_language(language, zero, one, two):
    with translation.override(language):
        forms = [
            translation.ngettext("%(seats)s place restante", "%(seats)s places restantes", n) % {"seats": n}
            for n in (0, 1, 2)
        ]
    assert forms == [zero, one, two]
