"""``python -m forms check FILE…`` and ``python -m forms codebook FILE``: tools for form authors."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from forms import FormError, compile_xlsform
from forms.checks import library_problems
from forms.codebooks import codebook
from forms.keys import check_answer_key, key_path, load_answer_key


def check(paths: list[Path], validate: bool) -> int:
    """Compile, validate and check each XLSForm (and its key file, if any); 1 if anything is wrong."""
    failed = 0
    for path in paths:
        try:
            form = compile_xlsform(path.read_bytes(), filename=path.name, validate=validate)
            problems = library_problems(form)
            if key_path(path).exists():
                problems += check_answer_key(load_answer_key(key_path(path).read_bytes()), form)
        except FormError as err:
            problems = [f"{d['sheet'] or '-'} row {d['row'] or '-'}: {d['message']}" for d in err.details] or [
                err.message]
        print(f"{path.name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  {problem}")
        failed += bool(problems)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m forms")
    sub = parser.add_subparsers(dest="command", required=True)
    checker = sub.add_parser("check", help="compile, ODK-validate and check library rules")
    checker.add_argument("files", nargs="+", type=Path)
    checker.add_argument("--no-validate", action="store_true", help="skip ODK Validate (no Java)")
    book = sub.add_parser("codebook", help="print a form's codebook as JSON")
    book.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.files, validate=not args.no_validate)
    form = compile_xlsform(args.file.read_bytes(), filename=args.file.name, validate=False)
    json.dump(dataclasses.asdict(codebook(form)), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
