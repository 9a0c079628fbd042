"""The README and docs/ show only commands and options that exist, and an API example that is the default."""

import ast
import re
import shlex
from pathlib import Path

import click
import pytest

from kgexpr.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: an invocation of the CLI inside code: `kgexpr CMD ...` or `.venv/bin/kgexpr CMD ...`
INVOCATION = re.compile(r"(?:^|[\s(])(?:\.venv/bin/)?kgexpr(?![\w/.'-])((?:\s+[^\s`|;&#]+)*)")


def code_of(text: str) -> list[str]:
    """Every fenced code block's lines and every inline code span of a Markdown page."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            out.append(line)
        else:
            out += re.findall(r"`([^`]+)`", line)
    return out


def invocations(text: str) -> list[tuple[str | None, list[str]]]:
    """(command or None for the group itself, its --options) of every CLI invocation shown."""
    found = []
    for code in code_of(text):
        for m in INVOCATION.finditer(code):
            words = shlex.split(m.group(1).replace("'", "").replace('"', ""))
            if words and re.fullmatch(r"[A-Z_]+", words[0]):  # a placeholder: kgexpr COMMAND --help
                continue
            cmd = words[0] if words and not words[0].startswith("-") else None
            found.append((cmd, [w.split("=", 1)[0] for w in words if w.startswith("--")]))
    return found


def options_of(command: click.Command) -> set[str]:
    ctx = click.Context(command)
    names = set()
    for p in command.get_params(ctx):
        if isinstance(p, click.Option):
            names.update(p.opts + p.secondary_opts)
    return names


def test_the_pages_exist_and_the_readme_is_short():
    assert (ROOT / "README.md").read_text().count("\n") <= 150
    assert {p.name for p in PAGES} >= {"README.md", "data.md", "method.md", "benchmarks.md", "neo4j.md",
                                       "architecture.md", "api.md"}


def test_every_command_and_option_shown_is_real():
    checked, wrong = 0, []
    for page in PAGES:
        for cmd, opts in invocations(page.read_text()):
            command = main if cmd is None else main.commands.get(cmd)
            if command is None:
                wrong.append(f"{page.name}: kgexpr {cmd} is not a command")
                continue
            known = options_of(command)
            wrong += [f"{page.name}: kgexpr {cmd or ''} {o} is not an option" for o in opts if o not in known]
            checked += cmd is not None
    assert not wrong, "\n".join(wrong)
    assert checked >= 15  # the parser found the invocations (an empty match would pass vacuously)


def test_the_parser_catches_a_made_up_option():
    text = "Run `kgexpr explain TP53 --trees 5` and\n```bash\n.venv/bin/kgexpr run --no-such-option 3\n```\n"
    found = invocations(text)
    assert found == [("explain", ["--trees"]), ("run", ["--no-such-option"])]
    assert "--no-such-option" not in options_of(main.commands["run"])


def test_readme_keeps_the_test_command_ci_runs():
    assert ".venv/bin/python -m pytest -q -rs" in (ROOT / "README.md").read_text()


def test_the_api_example_of_the_default_learner_is_the_default():
    from kgexpr.learn.learners import DEFAULT_LEARNER, build_learner

    text = (ROOT / "docs" / "api.md").read_text()
    block = text.split("```python", 1)[1].split("```", 1)[0]
    tree = ast.parse(block)
    keep = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))
            or (isinstance(s, ast.Assign) and any(getattr(t, "id", None) == "pair" for t in s.targets))]
    assert len(keep) >= 2, "the example lost its StagePair"
    scope: dict = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "docs/api.md", "exec"), scope)

    def shown(est):
        return {k: (type(v).__name__ if hasattr(v, "fit") else repr(v)) for k, v in est.get_params(deep=True).items()}

    default = build_learner(DEFAULT_LEARNER, n_trees=100, seed=0)
    assert shown(scope["pair"]) == shown(default)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_between_pages_resolve(page):
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text()):
        assert (page.parent / target).exists(), f"{page.name} links to {target}"


def test_the_settings_sections_table_is_the_code():
    from dataclasses import fields

    from kgexpr.settings import Settings

    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in Settings.SECTIONS:
            rows[cells[0]] = re.findall(r"`(\w+)`(\*?)", cells[2])
    assert set(rows) == set(Settings.SECTIONS)
    for name, listed in rows.items():
        want = [(f.metadata.get("option") or f.name, "" if f.metadata["key"] else "*")
                for f in fields(Settings().section(name))]
        assert listed == want, name
