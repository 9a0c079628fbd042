"""Download the official source files (KEGG REST, LINCS GEO series / CMap LINCS 2020, NCBI Gene, Repurposing Hub).

``fetch(dest)`` fills a data directory with the same layout as ``../shared/data`` on a machine
with internet access.  Nothing happens at import time.

* every download streams (stdlib urllib) into ``<file>.part`` and is renamed only when complete;
  a known sha256 is verified before anything is kept;
* raw downloads are kept in a cache (default ``~/.cache/kgexpr/downloads``) keyed by URL, so a
  second fetch reuses them without a request;
* the sha256 of every file written under ``dest`` is recorded in ``dest/CHECKSUMS.sha256``
  (``sha256sum -c`` format); a file already listed there is not fetched again unless ``force``;
* requests to KEGG REST are spaced to at most 3 per second, as KEGG asks;
* network and HTTP failures raise :class:`FetchError` (a :class:`KgexprError`) with one line
  naming the URL and the reason.

Base URLs can be overridden per call (``base_urls={"kegg": ...}``) or by environment
(``KGEXPR_FETCH_BASE_KEGG``, ``..._GEO``, ``..._NCBI``, ``..._HUB``, ``..._CLUE``), e.g. for a mirror or tests.

Three LINCS L1000 releases are known, each in its own folder with the official file names (the
data catalog recognises a release by its file names): Phase I (GEO GSE92742,
``lincs-l1000-gse92742/``), Phase II (GEO GSE70138, ``lincs-l1000-gse70138/``) and CMap LINCS 2020
(clue.io, ``lincs-l1000-clue2020/``).  Only the Phase I metadata are fetched by default; the level-5
matrices (6-33 GB each) and the Phase II / LINCS 2020 entries are fetched only when named, and naming
a level-5 matrix also fetches the metadata of its release.

Licences differ per source (see ``REGISTRY[name].licence``): KEGG is free for academic use only
and may not be redistributed; keep fetched data out of the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from .atomic import atomic_file
from .errors import KgexprError
from .progress import human_bytes

DEFAULT_BASE_URLS: dict[str, str] = {
    "kegg": "https://rest.kegg.jp",
    "geo": "https://ftp.ncbi.nlm.nih.gov/geo/series",
    "ncbi": "https://ftp.ncbi.nlm.nih.gov/gene/DATA/GENE_INFO",
    "hub": "https://s3.amazonaws.com/data.clue.io/repurposing/downloads",
    "clue": "https://s3.amazonaws.com/macchiato.clue.io/builds/LINCS2020",
}
ENV_BASE_PREFIX = "KGEXPR_FETCH_BASE_"
ENV_CACHE_DIR = "KGEXPR_CACHE_DIR"
CHECKSUMS_FILE = "CHECKSUMS.sha256"
KEGG_MIN_INTERVAL_S = 0.34  # KEGG REST: at most 3 requests per second
TIMEOUT_S = 60.0
RETRIES = 2  # extra tries after HTTP 429/5xx, timeouts and dropped connections
USER_AGENT = "kgexpr-fetch (+https://pypi.org/project/kgexpr/)"
_CHUNK = 1 << 20

_KEGG_LICENCE = ("KEGG: free for academic use via KEGG REST; commercial use needs a licence (Pathway "
                 "Solutions); do not redistribute (kegg.jp/kegg/legal.html)")
_LINCS_LICENCE = "LINCS L1000 (GEO GSE92742): CC BY 4.0 - attribute LINCS / CMap"
_NCBI_LICENCE = "NCBI Gene: public domain (NCBI data usage policy)"
_HUB_LICENCE = ("Drug Repurposing Hub (Corsello et al. 2017, clue.io/repurposing): believed CC BY 4.0 - "
                "attribute the Broad Institute Drug Repurposing Hub")
_LINCS2_LICENCE = "LINCS L1000 Phase II (GEO GSE70138): CC BY 4.0 - attribute LINCS / CMap"
_CLUE_LICENCE = ("CMap LINCS 2020 (clue.io): believed CC BY 4.0 like the GEO releases - attribute LINCS / CMap "
                 "(see clue.io/connectopedia/data_use_policy)")
_GSE = "{geo}/GSE92nnn/GSE92742/suppl/"
_GSE70 = "{geo}/GSE70nnn/GSE70138/suppl/"
_GSE70_DIR = "lincs-l1000-gse70138/"
_CLUE_DIR = "lincs-l1000-clue2020/"


class FetchError(KgexprError):
    """A download failed (network, HTTP status, checksum); the message is one line naming the URL."""


@dataclass(frozen=True)
class Source:
    """One registry entry.

    ``urls`` are templates over the base URLs (``{kegg}``, ``{geo}``, ``{ncbi}``, ``{hub}``, ``{clue}``), tried
    in order (mirrors).  ``target`` is the path under the data directory.  ``sha256`` is the
    expected digest of the downloaded bytes (None: unknown, computed and recorded only).
    ``kind``: "file" (one download), "kegg-kgml" (one KGML per pathway listed by ``urls[0]``,
    written into the ``target`` folder) or "hub-export" (built from the ``requires`` sources).
    ``gunzip``: store the decompressed content.  ``default``: part of ``fetch(dest)`` without names.
    ``requires``: sources fetched first whenever this one is (a "hub-export" is built from them; a
    level-5 matrix requires the metadata of its release).
    """

    urls: tuple[str, ...]
    target: str
    sha256: str | None = None
    licence: str = ""
    kind: str = "file"
    gunzip: bool = False
    default: bool = True
    requires: tuple[str, ...] = ()
    description: str = ""


REGISTRY: dict[str, Source] = {
    "kegg-pathways": Source(("{kegg}/list/pathway/hsa",), "kegg-rest/list_pathway_hsa.tsv",
                            licence=_KEGG_LICENCE, description="KEGG human pathway list"),
    "kegg-gene-pathway": Source(("{kegg}/link/pathway/hsa",), "kegg-rest/link_pathway_hsa.tsv",
                                licence=_KEGG_LICENCE, description="KEGG gene -> pathway links"),
    "kegg-drug-gene": Source(("{kegg}/link/hsa/drug",), "kegg-rest/link_hsa_drug.tsv",
                             licence=_KEGG_LICENCE, description="KEGG DRUG -> human gene (target) links"),
    "kegg-kgml": Source(("{kegg}/list/pathway/hsa", "{kegg}/get/{pathway}/kgml"), "kegg-kgml-hsa-all",
                        licence=_KEGG_LICENCE, kind="kegg-kgml",
                        description="KGML of every human pathway (one request per map, <= 3/s)"),
    "lincs-gene-info": Source((_GSE + "GSE92742_Broad_LINCS_gene_info.txt.gz",),
                              "gene-ids/GSE92742_Broad_LINCS_gene_info.txt", licence=_LINCS_LICENCE, gunzip=True,
                              description="LINCS Phase I gene table (landmark flags)"),
    "lincs-pert-info": Source((_GSE + "GSE92742_Broad_LINCS_pert_info.txt.gz",),
                              "lincs-l1000-gse92742/GSE92742_Broad_LINCS_pert_info.txt.gz",
                              licence=_LINCS_LICENCE, description="LINCS Phase I perturbagens"),
    "lincs-sig-info": Source((_GSE + "GSE92742_Broad_LINCS_sig_info.txt.gz",),
                             "lincs-l1000-gse92742/GSE92742_Broad_LINCS_sig_info.txt.gz",
                             licence=_LINCS_LICENCE, description="LINCS Phase I level-5 signature metadata"),
    "lincs-cell-info": Source((_GSE + "GSE92742_Broad_LINCS_cell_info.txt.gz",),
                              "lincs-l1000-gse92742/GSE92742_Broad_LINCS_cell_info.txt.gz",
                              licence=_LINCS_LICENCE, description="LINCS Phase I cell lines"),
    "lincs-level5": Source((_GSE + "GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n473647x12328.gctx.gz",),
                           "lincs-l1000-gse92742/GSE92742_Broad_LINCS_Level5_COMPZ.MODZ_n473647x12328.gctx",
                           licence=_LINCS_LICENCE, gunzip=True, default=False,
                           description="LINCS Phase I level-5 MODZ signatures (very large: ~21 GB as GCTX; "
                                       "only fetched when named)"),
    "gse70138-sig-info": Source((_GSE70 + "GSE70138_Broad_LINCS_sig_info_2017-03-06.txt.gz",),
                                _GSE70_DIR + "GSE70138_Broad_LINCS_sig_info_2017-03-06.txt.gz",
                                licence=_LINCS2_LICENCE, default=False,
                                description="LINCS Phase II level-5 signature metadata (2017-03-06)"),
    "gse70138-pert-info": Source((_GSE70 + "GSE70138_Broad_LINCS_pert_info_2017-03-06.txt.gz",),
                                 _GSE70_DIR + "GSE70138_Broad_LINCS_pert_info_2017-03-06.txt.gz",
                                 licence=_LINCS2_LICENCE, default=False,
                                 description="LINCS Phase II perturbagens (2017-03-06)"),
    "gse70138-gene-info": Source((_GSE70 + "GSE70138_Broad_LINCS_gene_info_2017-03-06.txt.gz",),
                                 _GSE70_DIR + "GSE70138_Broad_LINCS_gene_info_2017-03-06.txt.gz",
                                 licence=_LINCS2_LICENCE, default=False,
                                 description="LINCS Phase II gene table (landmark flags, 2017-03-06)"),
    "gse70138-cell-info": Source((_GSE70 + "GSE70138_Broad_LINCS_cell_info_2017-04-28.txt.gz",),
                                 _GSE70_DIR + "GSE70138_Broad_LINCS_cell_info_2017-04-28.txt.gz",
                                 licence=_LINCS2_LICENCE, default=False,
                                 description="LINCS Phase II cell lines (2017-04-28)"),
    "gse70138-level5": Source((_GSE70 + "GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_2017-03-06.gctx.gz",),
                              _GSE70_DIR + "GSE70138_Broad_LINCS_Level5_COMPZ_n118050x12328_2017-03-06.gctx",
                              licence=_LINCS2_LICENCE, gunzip=True, default=False,
                              requires=("gse70138-sig-info", "gse70138-pert-info", "gse70138-gene-info",
                                        "gse70138-cell-info"),
                              description="LINCS Phase II level-5 COMPZ signatures (large: ~5.8 GB as GCTX, "
                                          "gzipped on GEO; only fetched when named, with its metadata)"),
    "clue2020-sig-info": Source(("{clue}/siginfo_beta.txt",), _CLUE_DIR + "siginfo_beta.txt",
                                licence=_CLUE_LICENCE, default=False,
                                description="CMap LINCS 2020 signature metadata (all perturbagen types, ~180 MB)"),
    "clue2020-gene-info": Source(("{clue}/geneinfo_beta.txt",), _CLUE_DIR + "geneinfo_beta.txt",
                                 licence=_CLUE_LICENCE, default=False,
                                 description="CMap LINCS 2020 gene table (feature_space: landmark / inferred)"),
    "clue2020-compound-info": Source(("{clue}/compoundinfo_beta.txt",), _CLUE_DIR + "compoundinfo_beta.txt",
                                     licence=_CLUE_LICENCE, default=False,
                                     description="CMap LINCS 2020 compounds (SMILES, InChIKey, target, MOA)"),
    "clue2020-cell-info": Source(("{clue}/cellinfo_beta.txt",), _CLUE_DIR + "cellinfo_beta.txt",
                                 licence=_CLUE_LICENCE, default=False,
                                 description="CMap LINCS 2020 cell lines"),
    "clue2020-level5": Source(("{clue}/level5/level5_beta_trt_cp_n720216x12328.gctx",),
                              _CLUE_DIR + "level5_beta_trt_cp_n720216x12328.gctx",
                              licence=_CLUE_LICENCE, default=False,
                              requires=("clue2020-sig-info", "clue2020-gene-info", "clue2020-compound-info",
                                        "clue2020-cell-info"),
                              description="CMap LINCS 2020 level-5 compound signatures (very large: ~33 GB "
                                          "GCTX; only fetched when named, with its metadata)"),
    "ncbi-gene-info": Source(("{ncbi}/Mammalia/Homo_sapiens.gene_info.gz",), "gene-ids/Homo_sapiens.gene_info.gz",
                             licence=_NCBI_LICENCE, description="NCBI Gene human gene_info"),
    "hub-drugs": Source(("{hub}/repurposing_drugs_20200324.txt",),
                        "drug-targets-repurposing-hub/repurposing_drugs_20200324.txt",
                        licence=_HUB_LICENCE, description="Repurposing Hub drug annotations (2020-03-24)"),
    "hub-samples": Source(("{hub}/repurposing_samples_20200324.txt",),
                          "drug-targets-repurposing-hub/repurposing_samples_20200324.txt",
                          licence=_HUB_LICENCE, description="Repurposing Hub samples / Broad ids (2020-03-24)"),
    "hub-export": Source((), "drug-targets-repurposing-hub/repurposing_hub_export.tsv", licence=_HUB_LICENCE,
                         kind="hub-export", requires=("hub-drugs", "hub-samples"),
                         description="Repurposing Hub export table (Name, MOA, Target, ..., Id) built from "
                                     "the drugs + samples files"),
}


def describe_sources(registry: Mapping[str, Source] | None = None) -> str:
    """A table of the registry for ``kgexpr fetch --list``."""
    reg = REGISTRY if registry is None else registry
    lines = []
    for name, src in reg.items():
        flag = "" if src.default else " (only when named)"
        lines.append(f"{name:22s} -> {src.target}{flag}\n{'':26s}{src.description}\n{'':26s}licence: {src.licence}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- helpers

class _RateLimiter:
    """Spaces calls at least ``interval`` seconds apart (thread-safe)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def _resolve_bases(base_urls: Mapping[str, str] | None) -> dict[str, str]:
    bases = dict(DEFAULT_BASE_URLS)
    for key in list(bases):
        env = os.environ.get(ENV_BASE_PREFIX + key.upper())
        if env:
            bases[key] = env
    for key, val in (base_urls or {}).items():
        if key not in bases:
            raise FetchError(f"fetch: unknown base URL key {key!r} (known: {', '.join(sorted(bases))})")
        bases[key] = val
    return {k: v.rstrip("/") for k, v in bases.items()}


def _cache_path(cache_dir: Path, url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.replace(":", "_") or "local"
    name = (parts.path.rstrip("/").rsplit("/", 1)[-1] or "index")[:80]
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache_dir / host / f"{key}-{name}"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


class _Progress:
    def __init__(self, enabled: bool, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr

    def say(self, msg: str) -> None:
        if self.enabled:
            print(f"fetch: {msg}", file=self.stream, flush=True)


class _Fetcher:
    def __init__(self, dest: Path, cache_dir: Path, bases: dict[str, str], progress: _Progress,
                 timeout: float, kegg_limiter: _RateLimiter):
        self.dest = dest
        self.cache_dir = cache_dir
        self.bases = bases
        self.progress = progress
        self.timeout = timeout
        self.kegg = kegg_limiter
        self.checksums: dict[str, str] = {}
        self.requests = 0

    # ---- network
    def _limiter_for(self, url: str) -> _RateLimiter | None:
        return self.kegg if url.startswith(self.bases["kegg"] + "/") else None

    def download(self, url: str, expected: str | None = None) -> Path:
        """The cached raw bytes of ``url`` (downloaded once; verified when ``expected`` is known)."""
        path = _cache_path(self.cache_dir, url)
        if path.is_file():
            if expected is None or _sha256_file(path) == expected:
                return path
            _unlink(path)  # corrupt or outdated cache entry
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        for attempt in range(RETRIES + 1):
            try:
                digest = self._stream(url, part)
                break
            except _Retryable as exc:
                _unlink(part)
                if attempt == RETRIES:
                    raise FetchError(f"could not download {url}: {exc.reason}") from None
                time.sleep(min(2 ** attempt, 8))
            except BaseException:
                _unlink(part)
                raise
        if expected is not None and digest != expected:
            _unlink(part)
            raise FetchError(f"checksum mismatch for {url}: expected sha256 {expected}, got {digest}; "
                             "nothing was kept")
        os.replace(part, path)
        return path

    def _stream(self, url: str, part: Path) -> str:
        limiter = self._limiter_for(url)
        if limiter is not None:
            limiter.wait()
        self.requests += 1
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        h = hashlib.sha256()
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp, open(part, "wb") as out:
                total = resp.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                got = 0
                last = time.monotonic()
                self.progress.say(f"GET {url}" + (f" ({human_bytes(total)})" if total else ""))
                while True:
                    chunk = resp.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    if self.progress.enabled and time.monotonic() - last > 5:
                        last = time.monotonic()
                        pct = f" {100 * got / total:.0f}%" if total else ""
                        self.progress.say(f"  {human_bytes(got)}{pct}")
                if total is not None and got != total:
                    raise _Retryable(f"connection closed after {got} of {total} bytes")
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code} {_one_line(exc.reason)}"
            if exc.code == 429 or exc.code >= 500:
                raise _Retryable(reason) from None
            raise FetchError(f"could not download {url}: {reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError, ConnectionResetError)):
                raise _Retryable(_one_line(reason) or "timed out") from None
            raise FetchError(f"could not download {url}: {_one_line(reason)}") from None
        except (socket.timeout, TimeoutError) as exc:
            raise _Retryable(f"timed out after {self.timeout:g} s" if not str(exc) else _one_line(exc)) from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise _Retryable(_one_line(exc) or type(exc).__name__) from None
        except OSError as exc:
            raise FetchError(f"could not download {url}: {_one_line(exc)}") from None
        return h.hexdigest()

    # ---- installing into dest
    def install(self, raw: Path, rel: str, *, gunzip: bool = False) -> Path:
        target = self.dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        h = hashlib.sha256()
        try:
            with (gzip.open(raw, "rb") if gunzip else open(raw, "rb")) as src, open(part, "wb") as out:
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    out.write(chunk)
                    h.update(chunk)
        except (OSError, EOFError) as exc:
            _unlink(part)
            raise FetchError(f"could not write {target}: {_one_line(exc)}") from None
        except BaseException:
            _unlink(part)
            raise
        os.replace(part, target)
        self.checksums[rel] = h.hexdigest()
        return target

    def install_bytes(self, data: bytes, rel: str) -> Path:
        target = self.dest / rel
        with atomic_file(target) as part:
            part.write_bytes(data)
        self.checksums[rel] = hashlib.sha256(data).hexdigest()
        return target


class _Retryable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _read_checksums(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                digest, _, rel = line.partition("  ")
                if rel:
                    out[rel] = digest.strip()
    return out


def _write_checksums(path: Path, sums: dict[str, str]) -> None:
    with atomic_file(path) as part:
        part.write_text("".join(f"{d}  {r}\n" for r, d in sorted(sums.items())), encoding="utf-8")


def parse_kegg_list(text: str) -> list[str]:
    """Pathway ids ("hsa04110") from a KEGG REST ``list/pathway/hsa`` answer (old "path:" form too)."""
    ids = []
    for line in text.splitlines():
        first = line.split("\t", 1)[0].strip()
        if first.startswith("path:"):
            first = first[5:]
        if first:
            if not (first.startswith("hsa") and first[3:].isdigit()):
                raise FetchError(f"unexpected line in KEGG pathway list: {_one_line(line)[:80]!r}")
            ids.append(first)
    return ids


def build_hub_export(drugs_path: Path, samples_path: Path) -> bytes:
    """The Repurposing Hub export table (the clue.io web export's columns) from the two download files.

    Columns: Name, MOA, Target, Disease Area, Indication, Vendor, Purity, Id, SMILES, InChIKey, Phase,
    Deprecated ID; one row per drug, sample-level fields joined with ", " like the web export, lists
    ("|" in the download files) joined with ", ".
    """
    import pandas as pd

    def read(p: Path) -> pd.DataFrame:
        try:
            return pd.read_csv(p, sep="\t", comment="!", dtype=str, keep_default_na=False, encoding="latin-1")
        except Exception as exc:  # noqa: BLE001 - report the file, one line
            raise FetchError(f"could not read {p}: {_one_line(exc)}") from None

    drugs, samples = read(drugs_path), read(samples_path)
    for df, p, cols in ((drugs, drugs_path, ("pert_iname", "clinical_phase", "moa", "target")),
                        (samples, samples_path, ("broad_id", "pert_iname"))):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise FetchError(f"{p}: missing columns {missing} (found {list(df.columns)[:12]})")
    lists = lambda s: ", ".join(x.strip() for x in s.split("|") if x.strip())  # noqa: E731
    by_name = {name: grp for name, grp in samples.groupby("pert_iname", sort=False)}
    rows = []
    for _, d in drugs.iterrows():
        grp = by_name.get(d["pert_iname"])
        col = (lambda c: ", ".join(grp[c].tolist()) if grp is not None and c in grp.columns else "")
        purity = grp["purity"].iloc[0] if grp is not None and "purity" in grp.columns else ""
        deprecated = ", ".join(x for x in grp.get("deprecated_broad_id", []) if x) if grp is not None else ""
        rows.append([d["pert_iname"], lists(d["moa"]), lists(d["target"]), lists(d.get("disease_area", "")),
                     lists(d.get("indication", "")), col("vendor"), purity, col("broad_id"), col("smiles"),
                     col("InChIKey"), d["clinical_phase"], deprecated])
    header = ["Name", "MOA", "Target", "Disease Area", "Indication", "Vendor", "Purity", "Id", "SMILES",
              "InChIKey", "Phase", "Deprecated ID"]
    clean = lambda v: " ".join(str(v).replace("\t", " ").split())  # noqa: E731
    out = io.StringIO()
    for r in [header, *rows]:
        out.write("\t".join(clean(v) for v in r) + "\n")
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- public API

def default_cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env) if env else Path.home() / ".cache" / "kgexpr" / "downloads"


def fetch(dest: Path, sources: list[str] | None = None, *, cache_dir: Path | None = None, progress: bool = True,
          base_urls: Mapping[str, str] | None = None, registry: Mapping[str, Source] | None = None,
          force: bool = False, timeout: float = TIMEOUT_S) -> list[Path]:
    """Download ``sources`` (registry names; default: every entry marked ``default``) into ``dest``.

    Returns the files written under ``dest`` (in registry order). Files already recorded in
    ``dest/CHECKSUMS.sha256`` and present are skipped unless ``force``. Raises :class:`FetchError`.
    """
    reg = dict(REGISTRY if registry is None else registry)
    names = [n for n, s in reg.items() if s.default] if sources is None else list(dict.fromkeys(sources))
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise FetchError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(reg)}")
    # dependencies first
    ordered: list[str] = []

    def add(n: str) -> None:
        for r in reg[n].requires:
            if r not in reg:
                raise FetchError(f"source {n} requires unknown source {r}")
            add(r)
        if n not in ordered:
            ordered.append(n)

    for n in names:
        add(n)

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    bases = _resolve_bases(base_urls)
    f = _Fetcher(dest, cache, bases, _Progress(progress), timeout, _RateLimiter(KEGG_MIN_INTERVAL_S))
    sums_path = dest / CHECKSUMS_FILE
    recorded = _read_checksums(sums_path)
    f.checksums = dict(recorded)
    written: list[Path] = []

    def done(rel: str) -> bool:
        return not force and rel in recorded and (dest / rel).is_file()

    try:
        raw_of: dict[str, Path] = {}
        for name in ordered:
            src = reg[name]
            urls = [u.format(**bases, pathway="{pathway}") for u in src.urls]
            if src.kind == "file":
                if done(src.target):
                    f.progress.say(f"{name}: up to date ({src.target})")
                    raw_of[name] = dest / src.target
                    continue
                raw_of[name] = raw = _first_ok(f, urls, src.sha256)
                written.append(f.install(raw, src.target, gunzip=src.gunzip))
            elif src.kind == "kegg-kgml":
                listing = _first_ok(f, urls[:1], None).read_text(encoding="utf-8", errors="replace")
                ids = parse_kegg_list(listing)
                f.progress.say(f"{name}: {len(ids)} pathways")
                skipped = []
                for pid in ids:
                    rel = f"{src.target}/{pid}.xml"
                    if done(rel):
                        continue
                    url = urls[1].replace("{pathway}", pid)
                    try:
                        raw = f.download(url)
                    except FetchError as exc:
                        if "HTTP 404" in str(exc):  # a few maps (e.g. global maps) have no KGML
                            skipped.append(pid)
                            continue
                        raise
                    written.append(f.install(raw, rel))
                if skipped:
                    f.progress.say(f"{name}: no KGML for {len(skipped)} map(s): {', '.join(skipped[:10])}")
            elif src.kind == "hub-export":
                if done(src.target):
                    f.progress.say(f"{name}: up to date ({src.target})")
                    continue
                data = build_hub_export(raw_of[src.requires[0]], raw_of[src.requires[1]])
                written.append(f.install_bytes(data, src.target))
            else:
                raise FetchError(f"source {name}: unknown kind {src.kind!r}")
    finally:
        if f.checksums != recorded:
            _write_checksums(sums_path, f.checksums)
    f.progress.say(f"{len(written)} file(s) written to {dest}, {f.requests} request(s)")
    return written


def _first_ok(f: _Fetcher, urls: list[str], expected: str | None) -> Path:
    if not urls:
        raise FetchError("source has no URL")
    errors: list[FetchError] = []
    for url in urls:  # mirrors, in order
        try:
            return f.download(url, expected)
        except FetchError as exc:
            if "checksum mismatch" in str(exc) or len(urls) == 1:
                raise
            errors.append(exc)
    raise FetchError("; ".join(str(e) for e in errors)) from None
