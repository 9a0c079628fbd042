"""kgexpr.fetch against a local HTTP server (no internet needed)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import threading
from functools import partial
from pathlib import Path

import pytest

from kgexpr import fetch as fetch_mod
from kgexpr.errors import KgexprError
from kgexpr.fetch import REGISTRY, FetchError, Source, _RateLimiter, fetch, parse_kegg_list

GENE_INFO = b"pr_gene_id\tpr_gene_symbol\tpr_gene_title\tpr_is_lm\tpr_is_bing\n900001\tSIMG001\tsimulated gene 1\t1\t1\n"
NCBI = b"#Format: tax_id GeneID Symbol\n9606\t900001\tSIMG001\n"
KGML = '<?xml version="1.0"?>\n<pathway name="path:{0}" org="hsa" number="{1}" title="Simulated {1}"></pathway>\n'
HUB_DRUGS = (
    "!The Drug Repurposing Hub\n!Last updated Tue Mar 24 2020\n"
    "pert_iname\tclinical_phase\tmoa\ttarget\tdisease_area\tindication\n"
    "kgxsim-001\tPhase 2\tSIMG001 inhibitor|kinase inhibitor\tSIMG001|SIMG002\toncology\tcancer\n"
    "kgxsim-002\tLaunched\tsomething\t\t\t\n"
)
HUB_SAMPLES = (
    "!The Drug Repurposing Hub\n"
    "broad_id\tpert_iname\tqc_incompatible\tpurity\tvendor\tcatalog_no\tvendor_name\texpected_mass\tsmiles\t"
    "InChIKey\tpubchem_cid\tdeprecated_broad_id\n"
    "BRD-K90000001-001-01-1\tkgxsim-001\t0\t98.5\tSelleck\tS1\tx\t300.1\tCCO\tKEY-A\t1\t\n"
    "BRD-K90000001-003-02-4\tkgxsim-001\t0\t97\tTocris\tT1\tx\t300.1\tCCO\tKEY-A\t1\tBRD-K00000001-001-01-1\n"
    "BRD-K90000002-001-01-2\tkgxsim-002\t0\t99\tSelleck\tS2\tx\t200.1\tCCN\tKEY-B\t2\t\n"
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    files = {
        "kegg/list/pathway/hsa": b"hsa90001\tSimulated one - Homo sapiens (human)\n"
                                 b"path:hsa90002\tSimulated two - Homo sapiens (human)\n"
                                 b"hsa90003\tNo KGML for this one - Homo sapiens (human)\n",
        "kegg/get/hsa90001/kgml": KGML.format("hsa90001", "90001").encode(),
        "kegg/get/hsa90002/kgml": KGML.format("hsa90002", "90002").encode(),
        "kegg/link/pathway/hsa": b"hsa:900001\tpath:hsa90001\n",
        "geo/GSE92nnn/GSE92742/suppl/GSE92742_Broad_LINCS_gene_info.txt.gz": gzip.compress(GENE_INFO, mtime=0),
        "geo/GSE92nnn/GSE92742/suppl/GSE92742_Broad_LINCS_pert_info.txt.gz": gzip.compress(b"pert_id\n", mtime=0),
        "ncbi/Mammalia/Homo_sapiens.gene_info.gz": gzip.compress(NCBI, mtime=0),
        "hub/repurposing_drugs_20200324.txt": HUB_DRUGS.encode("latin-1"),
        "hub/repurposing_samples_20200324.txt": HUB_SAMPLES.encode("latin-1"),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.bases = {k: f"{base}/{k}" for k in ("kegg", "geo", "ncbi", "hub", "clue")}
    httpd.files = files
    httpd.root = root
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def fast_kegg(monkeypatch):
    monkeypatch.setattr(fetch_mod, "KEGG_MIN_INTERVAL_S", 0.0)
    monkeypatch.setattr(fetch_mod.time, "sleep", lambda s: None)  # no retry back-off in tests


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checksums(dest: Path) -> dict[str, str]:
    out = {}
    for line in (dest / "CHECKSUMS.sha256").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        out[rel] = digest
    return out


def _leftovers(*dirs: Path) -> list[Path]:
    return [p for d in dirs if d.exists() for p in d.rglob("*.part")]


def test_registry_points_at_the_official_sources():
    assert REGISTRY["lincs-gene-info"].urls[0].format(**fetch_mod.DEFAULT_BASE_URLS) == (
        "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE92nnn/GSE92742/suppl/GSE92742_Broad_LINCS_gene_info.txt.gz")
    assert REGISTRY["kegg-kgml"].urls[1].format(**fetch_mod.DEFAULT_BASE_URLS, pathway="hsa04110") == (
        "https://rest.kegg.jp/get/hsa04110/kgml")
    assert REGISTRY["ncbi-gene-info"].urls[0].format(**fetch_mod.DEFAULT_BASE_URLS) == (
        "https://ftp.ncbi.nlm.nih.gov/gene/DATA/GENE_INFO/Mammalia/Homo_sapiens.gene_info.gz")
    assert not REGISTRY["lincs-level5"].default  # ~21 GB: only when named
    for name, src in REGISTRY.items():
        assert src.licence, name
        assert not src.target.startswith("/") and ".." not in src.target
    assert "licence" in fetch_mod.describe_sources()


# the official file names of the LINCS Phase II (GEO GSE70138) and CMap LINCS 2020 (clue.io) releases
GSE70138_FILES = {
    "gse70138-level5": "GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_2017-03-06.gctx",
    "gse70138-sig-info": "GSE70138_Broad_LINCS_sig_info_2017-03-06.txt.gz",
    "gse70138-pert-info": "GSE70138_Broad_LINCS_pert_info_2017-03-06.txt.gz",
    "gse70138-gene-info": "GSE70138_Broad_LINCS_gene_info_2017-03-06.txt.gz",
    "gse70138-cell-info": "GSE70138_Broad_LINCS_cell_info_2017-04-28.txt.gz",
}
CLUE2020_FILES = {
    "clue2020-level5": "level5_beta_trt_cp_n720216x12328.gctx",
    "clue2020-sig-info": "siginfo_beta.txt",
    "clue2020-gene-info": "geneinfo_beta.txt",
    "clue2020-compound-info": "compoundinfo_beta.txt",
    "clue2020-cell-info": "cellinfo_beta.txt",
}
NEW_RELEASES = [("lincs-l1000-gse70138", GSE70138_FILES), ("lincs-l1000-clue2020", CLUE2020_FILES)]
OFFICIAL_URLS = {
    "gse70138-level5": "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE70nnn/GSE70138/suppl/"
                       "GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_2017-03-06.gctx.gz",
    "gse70138-cell-info": "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE70nnn/GSE70138/suppl/"
                          "GSE70138_Broad_LINCS_cell_info_2017-04-28.txt.gz",
    "clue2020-level5": "https://s3.amazonaws.com/macchiato.clue.io/builds/LINCS2020/level5/"
                       "level5_beta_trt_cp_n720216x12328.gctx",
    "clue2020-sig-info": "https://s3.amazonaws.com/macchiato.clue.io/builds/LINCS2020/siginfo_beta.txt",
}


@pytest.mark.parametrize("folder,files", NEW_RELEASES, ids=["gse70138", "clue2020"])
def test_new_lincs_releases_keep_official_names(folder, files):
    for name, official in files.items():
        src = REGISTRY[name]
        assert src.kind == "file" and src.target == f"{folder}/{official}", name
        assert not src.default, name  # fetch(dest) without names fetches what it did before
        assert src.licence and "CC BY 4.0" in src.licence, name
        assert src.sha256 is None or len(src.sha256) == 64
        for url in src.urls:
            resolved = url.format(**fetch_mod.DEFAULT_BASE_URLS)
            assert resolved.startswith("https://") and "{" not in resolved, (name, resolved)
            # the download is the official file, gzipped on GEO when the stored file is not
            assert resolved.rsplit("/", 1)[1] == official + (".gz" if src.gunzip else ""), (name, resolved)
        assert src.gunzip == (name == "gse70138-level5"), name
    level5 = next(n for n in files if n.endswith("-level5"))
    assert "GB" in REGISTRY[level5].description  # says how big it is
    assert set(REGISTRY[level5].requires) == set(files) - {level5}  # a matrix comes with its metadata


def test_new_lincs_release_urls():
    for name, url in OFFICIAL_URLS.items():
        assert REGISTRY[name].urls[0].format(**fetch_mod.DEFAULT_BASE_URLS) == url
    # every URL resolves against the base URLs, so a mirror / test server can replace them
    bases = {k: f"http://mirror.invalid/{k}" for k in fetch_mod.DEFAULT_BASE_URLS}
    for name in [*GSE70138_FILES, *CLUE2020_FILES]:
        key = "geo" if name.startswith("gse70138") else "clue"
        assert REGISTRY[name].urls[0].format(**bases).startswith(f"http://mirror.invalid/{key}/"), name


def test_default_sources_unchanged_by_new_releases():
    defaults = [n for n, s in REGISTRY.items() if s.default]
    assert defaults == ["kegg-pathways", "kegg-gene-pathway", "kegg-drug-gene", "kegg-kgml", "lincs-gene-info",
                        "lincs-pert-info", "lincs-sig-info", "lincs-cell-info", "ncbi-gene-info", "hub-drugs",
                        "hub-samples", "hub-export"]
    big = [n for n in REGISTRY if n.endswith("level5")]
    assert big == ["lincs-level5", "gse70138-level5", "clue2020-level5"]
    assert not any(REGISTRY[n].default for n in big)


def test_describe_sources_lists_new_releases():
    text = fetch_mod.describe_sources()
    for folder, files in NEW_RELEASES:
        for name, official in files.items():
            line = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
            assert f"-> {folder}/{official} (only when named)" in line


def test_env_overrides_clue_base(monkeypatch):
    monkeypatch.setenv("KGEXPR_FETCH_BASE_CLUE", "http://127.0.0.1:9/clue/")
    assert fetch_mod._resolve_bases(None)["clue"] == "http://127.0.0.1:9/clue"


def test_new_releases_fetch_from_local_server(server, tmp_path):
    gctx = b"\x89HDF\r\n\x1a\n fake level-5 matrix"
    root = server.root
    served = {
        "geo/GSE70nnn/GSE70138/suppl/GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_2017-03-06.gctx.gz":
            gzip.compress(gctx, mtime=0),
        **{f"geo/GSE70nnn/GSE70138/suppl/{GSE70138_FILES[n]}": gzip.compress(n.encode() + b"\n", mtime=0)
           for n in GSE70138_FILES if n != "gse70138-level5"},
        "clue/level5/level5_beta_trt_cp_n720216x12328.gctx": gctx,
        **{f"clue/{CLUE2020_FILES[n]}": n.encode() + b"\n" for n in CLUE2020_FILES if n != "clue2020-level5"},
    }
    for rel, data in served.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    dest = tmp_path / "data"
    out = fetch(dest, ["gse70138-level5", "clue2020-level5"], cache_dir=tmp_path / "c", base_urls=server.bases,
                progress=False)
    expected = {f"{folder}/{official}" for folder, files in NEW_RELEASES for official in files.values()}
    assert {p.relative_to(dest).as_posix() for p in out} == expected  # the metadata come along
    g = dest / "lincs-l1000-gse70138"
    assert (g / GSE70138_FILES["gse70138-level5"]).read_bytes() == gctx  # stored decompressed
    assert (g / GSE70138_FILES["gse70138-sig-info"]).read_bytes() == \
        served[f"geo/GSE70nnn/GSE70138/suppl/{GSE70138_FILES['gse70138-sig-info']}"]  # kept as published
    c = dest / "lincs-l1000-clue2020"
    assert (c / CLUE2020_FILES["clue2020-level5"]).read_bytes() == gctx
    assert (c / "siginfo_beta.txt").read_bytes() == b"clue2020-sig-info\n"
    assert set(_checksums(dest)) == expected
    assert not _leftovers(dest, tmp_path / "c")
    # metadata alone, no matrix request
    server.requests.clear()
    out = fetch(tmp_path / "meta", ["clue2020-sig-info"], cache_dir=tmp_path / "c2", base_urls=server.bases,
                progress=False)
    assert [p.name for p in out] == ["siginfo_beta.txt"] and server.requests == ["/clue/siginfo_beta.txt"]


def test_download_writes_files_and_checksums(server, tmp_path):
    dest, cache = tmp_path / "data", tmp_path / "cache"
    out = fetch(dest, ["lincs-gene-info", "ncbi-gene-info", "kegg-kgml", "kegg-gene-pathway"], cache_dir=cache,
                base_urls=server.bases, progress=False)
    rels = sorted(p.relative_to(dest).as_posix() for p in out)
    assert rels == ["gene-ids/GSE92742_Broad_LINCS_gene_info.txt", "gene-ids/Homo_sapiens.gene_info.gz",
                    "kegg-kgml-hsa-all/hsa90001.xml", "kegg-kgml-hsa-all/hsa90002.xml",
                    "kegg-rest/link_pathway_hsa.tsv"]
    assert (dest / "gene-ids/GSE92742_Broad_LINCS_gene_info.txt").read_bytes() == GENE_INFO  # gunzipped
    assert (dest / "gene-ids/Homo_sapiens.gene_info.gz").read_bytes() == \
        server.files["ncbi/Mammalia/Homo_sapiens.gene_info.gz"]  # kept as published
    sums = _checksums(dest)
    assert sums == {rel: _sha((dest / rel).read_bytes()) for rel in rels}
    assert not _leftovers(dest, cache)
    # hsa90003 is listed but has no KGML (404): skipped, not fatal
    assert "/kegg/get/hsa90003/kgml" in server.requests


def test_cache_reuse_makes_no_request(server, tmp_path):
    cache = tmp_path / "cache"
    names = ["lincs-gene-info", "kegg-kgml"]
    fetch(tmp_path / "a", names, cache_dir=cache, base_urls=server.bases, progress=False)
    first = len(server.requests)
    # another data directory, same cache: everything comes from the cache
    fetch(tmp_path / "b", names, cache_dir=cache, base_urls=server.bases, progress=False)
    new = server.requests[first:]
    assert new == ["/kegg/get/hsa90003/kgml"]  # only the 404, which is never cached
    assert _checksums(tmp_path / "a") == _checksums(tmp_path / "b")
    # same data directory again: up to date, not even the cache is read
    server.requests.clear()
    out = fetch(tmp_path / "b", ["lincs-gene-info"], cache_dir=cache, base_urls=server.bases, progress=False)
    assert out == [] and server.requests == []
    # force re-installs from the cache, still without a request
    out = fetch(tmp_path / "b", ["lincs-gene-info"], cache_dir=cache, base_urls=server.bases, progress=False,
                force=True)
    assert len(out) == 1 and server.requests == []


def test_known_checksum_verified(server, tmp_path):
    good = _sha(server.files["ncbi/Mammalia/Homo_sapiens.gene_info.gz"])
    reg = {"ncbi": Source(("{ncbi}/Mammalia/Homo_sapiens.gene_info.gz",), "gene-ids/x.gz", sha256=good, licence="pd")}
    out = fetch(tmp_path / "d", cache_dir=tmp_path / "c", base_urls=server.bases, registry=reg, progress=False)
    assert len(out) == 1


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    dest, cache = tmp_path / "data", tmp_path / "cache"
    reg = {"ncbi": Source(("{ncbi}/Mammalia/Homo_sapiens.gene_info.gz",), "gene-ids/Homo_sapiens.gene_info.gz",
                          sha256="0" * 64, licence="public domain")}
    with pytest.raises(FetchError) as exc:
        fetch(dest, ["ncbi"], cache_dir=cache, base_urls=server.bases, registry=reg, progress=False)
    msg = str(exc.value)
    assert "checksum mismatch" in msg and server.bases["ncbi"] + "/Mammalia/Homo_sapiens.gene_info.gz" in msg
    assert "\n" not in msg
    assert not (dest / "gene-ids/Homo_sapiens.gene_info.gz").exists()
    assert not _leftovers(dest, cache)
    assert [p for p in cache.rglob("*") if p.is_file()] == []
    assert not (dest / "CHECKSUMS.sha256").exists()


def test_connection_refused_is_one_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bases = {"geo": f"http://127.0.0.1:{port}/geo"}
    with pytest.raises(KgexprError) as exc:
        fetch(tmp_path / "d", ["lincs-gene-info"], cache_dir=tmp_path / "c", base_urls=bases, progress=False)
    msg = str(exc.value)
    assert f"http://127.0.0.1:{port}/geo/GSE92nnn/GSE92742/suppl/GSE92742_Broad_LINCS_gene_info.txt.gz" in msg
    assert "refused" in msg.lower() and "\n" not in msg
    assert exc.value.__cause__ is None and (exc.value.__context__ is None or exc.value.__suppress_context__)
    assert not _leftovers(tmp_path)


def test_http_error_names_url_and_status(server, tmp_path):
    reg = {"missing": Source(("{geo}/nope.txt.gz",), "x/nope.txt", licence="-")}
    with pytest.raises(FetchError, match=r"could not download http://127\.0\.0\.1:\d+/geo/nope\.txt\.gz: HTTP 404"):
        fetch(tmp_path / "d", cache_dir=tmp_path / "c", base_urls=server.bases, registry=reg, progress=False)
    assert not _leftovers(tmp_path)


def test_hub_export_built_from_downloads(server, tmp_path):
    dest = tmp_path / "data"
    fetch(dest, ["hub-export"], cache_dir=tmp_path / "c", base_urls=server.bases, progress=False)
    lines = (dest / "drug-targets-repurposing-hub/repurposing_hub_export.tsv").read_text().splitlines()
    assert lines[0].split("\t") == ["Name", "MOA", "Target", "Disease Area", "Indication", "Vendor", "Purity", "Id",
                                    "SMILES", "InChIKey", "Phase", "Deprecated ID"]
    row = dict(zip(lines[0].split("\t"), lines[1].split("\t")))
    assert row["Name"] == "kgxsim-001" and row["Target"] == "SIMG001, SIMG002"
    assert row["MOA"] == "SIMG001 inhibitor, kinase inhibitor"
    assert row["Id"] == "BRD-K90000001-001-01-1, BRD-K90000001-003-02-4" and row["Id"][:13] == "BRD-K90000001"
    assert row["Vendor"] == "Selleck, Tocris" and row["Phase"] == "Phase 2"
    assert row["Deprecated ID"] == "BRD-K00000001-001-01-1"
    assert lines[2].split("\t")[2] == ""  # no target
    sums = _checksums(dest)
    assert set(sums) == {"drug-targets-repurposing-hub/repurposing_hub_export.tsv",
                         "drug-targets-repurposing-hub/repurposing_drugs_20200324.txt",
                         "drug-targets-repurposing-hub/repurposing_samples_20200324.txt"}


def test_env_overrides_base_url(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KGEXPR_FETCH_BASE_NCBI", server.bases["ncbi"])
    out = fetch(tmp_path / "d", ["ncbi-gene-info"], cache_dir=tmp_path / "c", progress=False)
    assert len(out) == 1 and server.requests == ["/ncbi/Mammalia/Homo_sapiens.gene_info.gz"]


def test_unknown_source_and_base(tmp_path):
    with pytest.raises(FetchError, match="unknown source"):
        fetch(tmp_path / "d", ["nope"], cache_dir=tmp_path / "c", progress=False)
    with pytest.raises(FetchError, match="unknown base URL key"):
        fetch(tmp_path / "d", ["ncbi-gene-info"], cache_dir=tmp_path / "c", base_urls={"nope": "x"}, progress=False)


def test_progress_goes_to_stderr(server, tmp_path, capsys):
    fetch(tmp_path / "d", ["ncbi-gene-info"], cache_dir=tmp_path / "c", base_urls=server.bases)
    captured = capsys.readouterr()
    assert captured.out == "" and "Homo_sapiens.gene_info.gz" in captured.err


def test_kegg_rate_limiter_spaces_requests():
    clock = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        clock[0] += s

    lim = _RateLimiter(0.34, clock=lambda: clock[0], sleep=sleep)
    for _ in range(4):
        lim.wait()
    assert slept == pytest.approx([0.34, 0.34, 0.34])
    clock[0] += 1.0
    lim.wait()
    assert len(slept) == 3  # idle long enough: no wait


def test_kegg_requests_go_through_the_limiter(server, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(_RateLimiter, "wait", lambda self: calls.append(self.interval))
    fetch(tmp_path / "d", ["kegg-kgml", "lincs-gene-info"], cache_dir=tmp_path / "c", base_urls=server.bases,
          progress=False)
    kegg_requests = [r for r in server.requests if r.startswith("/kegg/")]
    assert len(calls) == len(kegg_requests) == 4  # list + 3 KGML; the GEO request is not limited


def test_parse_kegg_list():
    assert parse_kegg_list("hsa00010\tGlycolysis\npath:hsa04110\tCell cycle\n\n") == ["hsa00010", "hsa04110"]
    with pytest.raises(FetchError):
        parse_kegg_list("<html>error</html>\n")


def test_no_network_at_import():
    import subprocess
    import sys
    code = ("import socket\n"
            "def no(*a, **k): raise AssertionError('network used at import')\n"
            "socket.socket.connect = no; socket.create_connection = no; socket.getaddrinfo = no\n"
            "import kgexpr.fetch\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
