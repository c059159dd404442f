"""ODK Validate: check an XForm with the real ODK form engine (JavaRosa).

pyxform ships ODK Validate as a Java jar. We run that jar ourselves rather
than through pyxform's wrapper because the wrapper lets a form pass with only
a warning when the validator times out or crashes; here a form is valid only
when ODK Validate says so. Java's own output (stack frames, exception class
names, file paths) is dropped so the author sees JavaRosa's sentence alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pyxform.validators.odk_validate import ODK_VALIDATE_PATH

from forms.errors import FormError, detail

TIMEOUT_SECONDS = 100

_NOISE_LINES = (
    re.compile(r"^\s+at\s"),  # stack frame
    re.compile(r"^\s*\.\.\. \d+ more$"),  # elided stack frames
    re.compile(r"^(Picked up (_JAVA_OPTIONS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS):)"),
    re.compile(r"^OpenJDK .*VM warning:"),
    re.compile(r"^>> XForm is invalid\.$", re.IGNORECASE),
    re.compile(r"^The following files failed validation:$"),
    re.compile(r"^Result: Invalid$"),
    re.compile(r"^Validating: "),
)
# JavaRosa sometimes appends a Java object's identity to an XPath error.
_JAVA_OBJECT = re.compile(r",?\s*Bad node: ([a-z_$][\w$]*\.)+[\w$]+@[0-9a-f]+")
_EXCEPTION_PREFIX = re.compile(
    r"^(Caused by: )?([a-z_$][\w$]*\.)+[A-Z][\w$]*(Exception|Error)(: ?|$)"
)


def validate_xform(xml: bytes) -> None:
    """Run ODK Validate on an XForm; raise FormError if JavaRosa rejects it.

    Raises RuntimeError when the validator cannot run (no Java, no jar,
    timeout): the form's author cannot fix those.
    """
    run_odk_validate(xml)


def run_odk_validate(xml: bytes) -> list[str]:
    """Run ODK Validate on an XForm and return its warnings for a valid form."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "ODK Validate needs Java 8 or later, but no 'java' was found on PATH."
        )
    jar = Path(ODK_VALIDATE_PATH)
    if not jar.is_file():
        raise RuntimeError(f"ODK Validate is missing from the pyxform installation: {jar}")
    with tempfile.TemporaryDirectory(prefix="sapat-odk-validate-") as tmp:
        path = Path(tmp) / "form.xml"
        path.write_bytes(xml)
        command = [java, "-Djava.awt.headless=true", "-jar", str(jar), str(path)]
        try:
            result = subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise RuntimeError(
                f"ODK Validate did not finish within {TIMEOUT_SECONDS} seconds."
            ) from err
    lines = clean_validator_output(result.stderr.decode("utf-8", "replace"), path)
    if result.returncode != 0:
        raise _rejection(lines)
    return [f"ODK Validate: {line}" for line in lines]


def clean_validator_output(output: str, form_path: Path) -> list[str]:
    """Keep the lines of ODK Validate's output a form author can act on."""
    lines: list[str] = []
    for raw in output.splitlines():
        if any(pattern.search(raw) for pattern in _NOISE_LINES):
            continue
        line = raw.replace(str(form_path), "form.xml").strip()
        line = _JAVA_OBJECT.sub("", _EXCEPTION_PREFIX.sub("", line)).strip()
        if line and line != "form.xml" and (not lines or lines[-1] != line):
            lines.append(line)
    return lines


def _rejection(lines: list[str]) -> FormError:
    """The FormError for a form ODK Validate found invalid."""
    if not lines:
        return FormError("ODK Validate rejected the form without giving a reason.")
    return FormError(f"ODK Validate rejected the form: {lines[0]}", [detail("\n".join(lines))])
