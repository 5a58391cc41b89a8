"""The repository explains itself: the science the code cites is in it, links resolve, the README stays short."""
import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITATION = re.compile(r"science\.md §(\d+)(?:\.(\d+))?")


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split()
    suffixes = {".py", ".js", ".md", ".css", ".toml", ".yml", ".txt", ".cfg", ""}
    return [ROOT / n for n in names + untracked if Path(n).suffix in suffixes and (ROOT / n).is_file()]


def science_sections():
    """{(section, item)}: '## N.' headings as (N, None), and the numbered items under them as (N, M)."""
    found, section = set(), None
    for line in (ROOT / "docs" / "science.md").read_text().splitlines():
        if m := re.match(r"## (\d+)\. ", line):
            section = int(m[1])
            found.add((section, None))
        elif section is not None and (m := re.match(r"(\d+)\. \*\*", line)):
            found.add((section, int(m[1])))
    return found


def test_every_science_citation_names_a_section_of_docs_science():
    sections = science_sections()
    assert {(n, None) for n in range(1, 10)} <= sections and (3, 6) in sections
    missing = []
    for path in tracked_text_files():
        for m in CITATION.finditer(path.read_text(errors="replace")):
            key = (int(m[1]), int(m[2]) if m[2] else None)
            if key not in sections:
                missing.append(f"{path.relative_to(ROOT)}: {m[0]}")
    assert not missing


def test_nothing_points_outside_the_repository():
    """A clone has no ../shared: no file cites it, its formula sheet or its numbering of the papers."""
    outside = re.compile(r"\.\./shared|SCIENCE\.md|DASH-NOTES|(?i:seeds? 00\d)")
    here = Path(__file__).resolve()
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in tracked_text_files() if p != here
            for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if outside.search(line)]
    assert not hits


def test_readme_is_short_and_its_links_resolve():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "    bash .ci/run\n" in readme and "python app.py" in readme
    for doc in ["README.md", *[f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")]]:
        text = (ROOT / doc).read_text()
        for target in re.findall(r"\]\(([^)#:]+)\)", text):
            assert ((ROOT / doc).parent / target).exists(), f"{doc} links to a missing {target}"


def test_ci_runs_every_tier_and_plain_pytest_the_fast_one():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'pytest --headless -m ""', ci)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    markers = [m.split(":")[0] for m in config["markers"]]
    assert config["addopts"].endswith(f"-m 'not ({' or '.join(markers)})'"), "plain pytest runs a slow tier"
    tiers = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for marker in markers:
        assert f"| `{marker}` |" in tiers, f"docs/ARCHITECTURE.md's tier table lacks {marker}"
