"""Publishing: `make publish` in a temporary clone, the staging of the site, and the CI workflow file.

`make publish` builds the book, checks it in Chromium, and commits it to gh-pages. Building the whole
book takes minutes, so the clone tests run `make publish BUILD=0` on a small site written into the
clone's _build/html by the test: one page per entry of the clone's _toc.yml, each carrying the tables
its source creates (so the real site check passes on it). Everything else is the real path: the
clean-tree guard, staging with the commit in the footer, the site check in Chromium, ghp-import. The
clone's remote is a bare copy in the temporary folder, so nothing can reach the real repository.
Set DSV3_SLOW=1 to also run the full path (book build included) in a clone.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


check = _load("site_check_check", ROOT / "tools" / "site_check" / "check.py")
stage = _load("site_check_stage", ROOT / "tools" / "site_check" / "stage.py")

HAVE_TOOLS = (
    shutil.which("git") is not None
    and shutil.which("make") is not None
    and (VENV / "bin" / "ghp-import").is_file()
    and (ROOT / ".git").exists()
)
needs_tools = pytest.mark.skipif(
    not HAVE_TOOLS, reason="needs git, make, a git checkout and ghp-import in the environment (requirements.lock)"
)
needs_browser = pytest.mark.skipif(
    not (check.CHROMIUM.is_file() and check.sync_playwright is not None),
    reason=f"make publish runs the site check: needs Debian's chromium at {check.CHROMIUM} and playwright",
)
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- staging: the commit in the footer -----------------------------------------------------------


def test_stage_copies_the_site_and_names_the_commit_in_every_page(tmp_path: Path) -> None:
    site = tmp_path / "html"
    footer = f"<footer>Built from {stage.MARKER}.</footer>"
    write(site / "index.html", footer)
    write(site / "chapters" / "a.html", footer)
    write(site / "_static" / "x.css", "p {}")
    assert stage.stage(site, tmp_path / "out", COMMIT) == 2
    for page in ("index.html", "chapters/a.html"):
        text = (tmp_path / "out" / page).read_text()
        assert f"Built from {stage.stamp(COMMIT)}." in text and f"commit <code>{COMMIT}</code>" in text
        assert stage.MARKER not in text
    assert (tmp_path / "out" / "_static" / "x.css").read_text() == "p {}"
    assert stage.MARKER in (site / "index.html").read_text()  # the built site itself is untouched


@pytest.mark.parametrize("commit", ["HEAD", "0123456", COMMIT.upper(), COMMIT + "0"])
def test_stage_refuses_anything_but_a_full_hash(tmp_path: Path, commit: str) -> None:
    write(tmp_path / "html" / "index.html", stage.MARKER)
    with pytest.raises(stage.StageError, match="40-digit"):
        stage.stage(tmp_path / "html", tmp_path / "out", commit)


def test_stage_skips_redirects_and_assets(tmp_path: Path) -> None:
    site = tmp_path / "html"
    write(site / "index.html", '<meta http-equiv="Refresh" content="0; url=intro.html" />')
    write(site / "intro.html", stage.MARKER)
    write(site / "_static" / "widget.html", "<p>an asset</p>")
    assert stage.stage(site, tmp_path / "out", COMMIT) == 1


def test_stage_refuses_a_page_without_the_footer_marker(tmp_path: Path) -> None:
    write(tmp_path / "html" / "index.html", stage.MARKER)
    write(tmp_path / "html" / "chapters" / "a.html", "<footer>no marker</footer>")
    with pytest.raises(stage.StageError, match=r"1 pages lack .* \(first: chapters/a.html\).*extra_footer"):
        stage.stage(tmp_path / "html", tmp_path / "out", COMMIT)
    with pytest.raises(stage.StageError, match="make book"):
        stage.stage(tmp_path / "nothing", tmp_path / "out", COMMIT)


site_address = _load("site_address", ROOT / "_ext" / "site_address.py")


@pytest.mark.parametrize(
    ("repository", "address"),
    [
        ("https://github.com/Some-Owner/dsv3-book", "https://some-owner.github.io/dsv3-book/"),
        ("https://github.com/owner/book.git", "https://owner.github.io/book/"),
        ("https://github.com/owner/book/", "https://owner.github.io/book/"),
        ("https://github.com/owner/owner.github.io", "https://owner.github.io/"),
        ("https://gitlab.com/owner/book", None),
        ("", None),
    ],
)
def test_the_site_address_follows_the_repository_link(repository: str, address: str | None) -> None:
    assert site_address.pages_url(repository) == address


def test_the_book_footer_carries_the_marker() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert stage.MARKER in config["html"]["extra_footer"]


# --- make publish in a temporary clone ----------------------------------------------------------


def run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    env.pop("MAKEFLAGS", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, **kwargs)


def git(cwd: Path, *args: str) -> str:
    result = run(["git", *args], cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def has_branch(repo: Path, branch: str) -> bool:
    return run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], repo).returncode == 0


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bare copy of this repository (its HEAD), made once."""
    base = tmp_path_factory.mktemp("publish")
    git(base, "clone", "--quiet", "--bare", "--single-branch", str(ROOT), str(base / "bare.git"))
    return base / "bare.git"


@pytest.fixture
def clone(tmp_path: Path, bare: Path) -> tuple[Path, Path]:
    """A clone of this repository's HEAD whose remote is a bare copy in tmp_path; it uses this .venv."""
    remote, work = tmp_path / "remote.git", tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--bare", str(bare), str(remote))
    git(tmp_path, "clone", "--quiet", str(remote), str(work))
    # The environment is this test's own (VENV=...): make must not think the lock is newer than it.
    for name in ("requirements.lock", "pyproject.toml"):
        os.utime(work / name, (946684800, 946684800))
    return work, remote


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,"><meta name="viewport" content="width=device-width"></head><body><main><h1>{title}</h1>{body}</main>
<footer><p>Built from {marker}.</p></footer></body></html>
"""


def fake_site(work: Path) -> set[str]:
    """Write a small site for the clone's _toc.yml into _build/html; return its files (relative)."""
    site = work / "_build" / "html"
    pages = check.toc_pages(work)
    for page, source in pages.items():
        tables = "".join(f'<table id="T_{t}"><tr><td>1</td></tr></table>' for t in check.table_ids(source))
        write(
            site / page, PAGE.format(title=page.replace("/", " ").replace("_", " "), body=tables, marker=stage.MARKER)
        )
    links = "".join(f'<p><a href="{page}">{page}</a></p>' for page in pages)
    write(site / "index.html", PAGE.format(title="index", body=links, marker=stage.MARKER))
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def publish(work: Path, *options: str) -> subprocess.CompletedProcess:
    return run(["make", "publish", "BUILD=0", f"VENV={VENV}", *options], work)


@needs_tools
@needs_browser
def test_publish_commits_the_site_to_gh_pages_without_pushing(clone) -> None:
    work, remote = clone
    files = fake_site(work)
    head = git(work, "rev-parse", "HEAD")
    result = publish(work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not pushed" in result.stdout
    published = set(git(work, "ls-tree", "-r", "--name-only", "gh-pages").splitlines())
    chapters = {page for page in check.toc_pages(work) if page.startswith("chapters/")}
    assert {"index.html", ".nojekyll"} | chapters <= published
    assert published == files | {".nojekyll"}  # the site and .nojekyll, nothing from outside _build/html
    index = git(work, "show", "gh-pages:index.html")
    assert f"commit <code>{head}</code>" in index and stage.MARKER not in index
    assert head in git(work, "log", "-1", "--format=%s", "gh-pages")
    assert git(work, "status", "--porcelain") == ""  # the work tree is untouched
    assert not has_branch(remote, "gh-pages")  # nothing pushed


@needs_tools
def test_publish_pushes_only_with_push_1(clone) -> None:
    """The commands make would run (make -n): ghp-import gets --push only from PUSH=1."""
    work, _ = clone

    def ghp_import_line(*options: str) -> str:
        result = run(["make", "-n", "publish", "BUILD=0", f"VENV={VENV}", *options], work)
        assert result.returncode == 0, result.stderr
        lines = [line for line in result.stdout.splitlines() if "ghp-import" in line]
        assert len(lines) == 1, result.stdout
        return lines[0]

    for line in (ghp_import_line(), ghp_import_line("PUSH=0")):
        assert "--push" not in line and "--no-jekyll" in line and "--branch gh-pages" in line
    assert "--push" in ghp_import_line("PUSH=1")


@needs_tools
@needs_browser
def test_publish_stops_when_the_site_check_fails(clone) -> None:
    """A site that lost a chapter page: the check refuses it (before opening a browser), nothing is committed."""
    work, _ = clone
    fake_site(work)
    lost = sorted(page for page in check.toc_pages(work) if page.startswith("chapters/"))[0]
    (work / "_build" / "html" / lost).unlink()
    result = publish(work)
    assert result.returncode != 0
    assert "check-site: 1 pages of _toc.yml are not in" in result.stderr and lost in result.stderr
    assert not has_branch(work, "gh-pages")


@needs_tools
@pytest.mark.parametrize("change", ["untracked", "modified", "staged"])
def test_publish_refuses_a_dirty_work_tree(clone, change: str) -> None:
    work, _ = clone
    fake_site(work)
    if change == "untracked":
        write(work / "notes.txt", "draft\n")
    else:
        with (work / "README.md").open("a") as f:
            f.write("\nan edit\n")
        if change == "staged":
            git(work, "add", "README.md")
    result = publish(work)
    assert result.returncode != 0
    assert "refusing: the work tree has uncommitted changes" in result.stderr
    assert ("notes.txt" if change == "untracked" else "README.md") in result.stderr
    assert not has_branch(work, "gh-pages")


@needs_tools
@needs_browser
@pytest.mark.skipif(os.environ.get("DSV3_SLOW") != "1", reason="builds the whole book in a clone: set DSV3_SLOW=1")
def test_publish_builds_and_publishes_the_whole_book_in_a_fresh_clone(clone) -> None:
    work, remote = clone
    result = run(["make", "publish", f"VENV={VENV}"], work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    published = set(git(work, "ls-tree", "-r", "--name-only", "gh-pages").splitlines())
    built = {
        p.relative_to(work / "_build" / "html").as_posix() for p in (work / "_build" / "html").rglob("*") if p.is_file()
    }
    assert {"index.html", ".nojekyll"} | set(check.toc_pages(work)) <= published
    assert published == built | {".nojekyll"}
    assert not has_branch(remote, "gh-pages")


# --- the CI workflow -------------------------------------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_workflow_runs_on_every_push_and_pull_request() -> None:
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    assert triggers["push"] is None  # every branch


def test_workflow_build_job_runs_ci_run_with_the_caches_and_uploads_reports_on_failure() -> None:
    build = workflow()["jobs"]["build"]
    runs = [s.get("run", "") for s in steps(build)]
    assert any(r.strip() == ".ci/run" for r in runs)
    caches = [s for s in steps(build) if s.get("uses", "").startswith("actions/cache@")]
    keys = " ".join(s["with"]["key"] for s in caches)
    paths = " ".join(s["with"]["path"] for s in caches)
    assert "hashFiles('requirements.lock'" in keys and ".venv" in paths and "_build/.jupyter_cache" in paths
    uploads = [s for s in steps(build) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert uploads and all(s.get("if") == "failure()" for s in uploads)
    uploaded = " ".join(s["with"]["path"] for s in uploads)
    assert "_build/screenshots" in uploaded and "_build/html/reports" in uploaded
    # the ordering matters: checkout, then caches, then .ci/run
    names = [s.get("uses", s.get("run", "")) for s in steps(build)]
    assert names[0].startswith("actions/checkout@")
    assert max(names.index(s["uses"]) for s in caches) < names.index(".ci/run")
    chromium = [i for i, name in enumerate(names) if "apt-get install" in name and "chromium" in name]
    assert chromium and chromium[0] < names.index(".ci/run")  # the browser tests in .ci/run must not skip


def test_workflow_deploys_to_pages_from_the_default_branch_only() -> None:
    jobs = workflow()["jobs"]
    default_push = (
        "github.event_name == 'push' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    )
    upload = [s for s in steps(jobs["build"]) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert len(upload) == 1 and upload[0]["if"] == default_push
    staged = [s for s in steps(jobs["build"]) if "tools/site_check/stage.py" in s.get("run", "")]
    assert len(staged) == 1 and upload[0]["with"]["path"] in staged[0]["run"]
    deploy = [
        name
        for name, job in jobs.items()
        if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in steps(job))
    ]
    assert deploy == ["deploy"]
    job = jobs["deploy"]
    assert job["needs"] == "build" and job["if"] == default_push
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"]["name"] == "github-pages"
