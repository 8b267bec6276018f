"""Compiled knowledge kept between runs, so that a start costs one file read instead of a compile.

Loading a knowledge base parses every YAML file, and compiling its matcher fits weights over every
example question. Both depend only on the files' bytes and on this program's code, so the result is
stored in $XDG_CACHE_HOME/advisor (default ~/.cache/advisor), one file per knowledge directory
(the KEEP most recent), under a key made of the directory's path, its files' bytes and the
package's source, and read back on the next start. Any change to a knowledge file or to the
program gives another key.

The file is JSON, never pickle: reading it runs no code. Long lists of numbers are packed as base64
arrays, a CRC-32 covers the whole body (against damage; whoever can write the file could as well
write a fitting check of any kind) and every value is checked on the way in: a file that is
unreadable, truncated, written for other files or off in any way is ignored and the knowledge
compiled again. A cache directory that is missing and cannot be made, or cannot be written, only
means no cache.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from array import array
from binascii import a2b_base64, b2a_base64, crc32
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import fields, is_dataclass
from functools import cache, partial
from math import isfinite
from pathlib import Path
from types import MappingProxyType, NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from .knowledge import KnowledgeBase, load, shipped_path
from .matcher import Matcher

try:
    from _blake2 import blake2b  # what hashlib.blake2b is, without the 9 ms hashlib spends loading OpenSSL
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

FORMAT = 7
PACK_MIN = 8
KEEP = 32  # cache files kept (one per knowledge directory); the least recently used go first
_PACKED = {"$f8": "d", "$i8": "q", "$i2": "h"}


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/advisor, or ~/.cache/advisor; None when there is no home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "advisor") if os.path.isabs(base) else None


def knowledge_files(root: Path) -> list[Path] | None:
    """The files load(root) reads, in its order; None when it would fail (then it reports why)."""
    try:
        if root.is_dir():
            files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            return files or None
        return [root] if root.is_file() else None
    except OSError:
        return None


def fingerprint(root: Path, files: list[Path]) -> str | None:
    """A digest of everything a compiled knowledge base depends on; None if a file cannot be read."""
    digest = blake2b(digest_size=32)
    parts = [f"advisor cache {FORMAT} {sys.byteorder} {sys.version}".encode(), _code(), os.fsencode(root)]
    try:
        for file in files:
            parts += [os.fsencode(file.name), file.read_bytes()]
    except OSError:
        return None
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


@cache
def _code() -> bytes:
    """The package's own Python source: any change to how knowledge is read or compiled changes it."""
    package = os.path.dirname(__file__)
    with os.scandir(package) as entries:  # not Path.glob, which costs more than the reading
        names = sorted(entry.name for entry in entries if entry.name.endswith(".py"))
    digest = blake2b(digest_size=32)
    for name in names:
        with open(os.path.join(package, name), "rb") as source:
            digest.update(name.encode() + b"\0" + source.read() + b"\0")
    return digest.digest()


def load_compiled(
    path: str | Path | None = None, compiling: Callable[[], None] | None = None
) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge base at `path` (default: the shipped one) and its compiled matcher: from the
    cache when it holds them for exactly these files and this code, else loaded, compiled and kept.
    `compiling` is called before a compile, which takes seconds for a large knowledge base: a shell
    may tell the user why the start is slow."""
    root = Path(path) if path is not None else shipped_path()
    folder = cache_dir()
    files = knowledge_files(root) if folder is not None else None
    key = fingerprint(root, files) if files else None
    slot = folder / f"{_digest(os.fsencode(root))[:32]}.json" if folder is not None and key else None
    if slot is not None and key is not None:
        found = read(slot, key)
        if found is not None:
            return found
    kb = load(path)
    if compiling is not None:
        compiling()
    matcher = Matcher(kb)
    if slot is not None and files is not None and fingerprint(root, files) == key:
        write(slot, key, kb, matcher)
    return kb, matcher


def read(slot: Path, key: str) -> tuple[KnowledgeBase, Matcher] | None:
    """What `slot` holds if it was written for `key` and is whole and well-formed, else None."""
    try:
        data = slot.read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    collecting = gc.isenabled()
    gc.disable()  # the tens of thousands of objects built here would set off the cycle collector again and again
    try:
        if json.loads(head) != {"format": FORMAT, "key": key, "crc32": _checksum(body)}:
            return None
        content = json.loads(body, parse_constant=_no_constant)
        kb = decode(KnowledgeBase, content["kb"])
        found = kb, Matcher.from_state(kb, unpack(content["matcher"]))
    except Exception:  # a damaged cache file may fail in any way; it is never more than a miss
        return None
    finally:
        if collecting:
            gc.enable()
    with suppress(OSError):
        os.utime(slot)  # recently used: the last to be pruned
    return found


def write(slot: Path, key: str, kb: KnowledgeBase, matcher: Matcher) -> bool:
    """Store the compiled knowledge in `slot` (atomically, readable by the user only); False if it could not."""
    try:
        content = {"kb": encode(kb), "matcher": pack(matcher.to_state())}
        # ASCII (non-ASCII as \u escapes): one emoji in an answer would otherwise make the decoded body a
        # string of four bytes a character, slower to decode and to parse (a third of json.loads' time)
        body = json.dumps(content, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return False
    head = json.dumps({"format": FORMAT, "key": key, "crc32": _checksum(body)}).encode()
    temp = slot.with_name(f".{slot.name}.{os.getpid()}.tmp")
    try:
        slot.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp.unlink(missing_ok=True)
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(head + b"\n" + body)
        os.replace(temp, slot)
    except OSError:
        with suppress(OSError):
            temp.unlink(missing_ok=True)
        return False
    _prune(slot.parent)
    return True


def _prune(folder: Path) -> None:
    """Keep the KEEP most recently used cache files: knowledge directories come and go (tests make
    temporary ones), and each leaves its file behind."""
    with suppress(OSError):
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=32).hexdigest()


def _checksum(body: bytes) -> str:
    """A check of the body against damage: a fifth of the time of a digest, which was 1 ms of a start."""
    return f"{crc32(body):08x}"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} in a cache file")


# ----- packing long number lists ----------------------------------------------------------------


def pack(value: Any) -> Any:
    """A JSON value with each long list of floats (or of ints) replaced by {"$f8", "$i8" or, for ints that
    fit in two bytes (intent numbers, row sizes), "$i2": base64}."""
    if isinstance(value, dict):
        return {k: pack(v) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    kinds = set(map(type, value))
    if len(value) >= PACK_MIN and kinds == {float} and all(map(isfinite, value)):
        return {"$f8": b2a_base64(array("d", value).tobytes(), newline=False).decode()}
    if len(value) >= PACK_MIN and kinds == {int} and min(value) >= -(2**63) and max(value) < 2**63:
        tag, code = ("$i2", "h") if min(value) >= -(2**15) and max(value) < 2**15 else ("$i8", "q")
        return {tag: b2a_base64(array(code, value).tobytes(), newline=False).decode()}
    return [pack(v) for v in value] if kinds & {dict, list} else value


def unpack(value: Any) -> Any:
    """The inverse of pack, each packed list given back as an array of its type (array('d') for "$f8"):
    no number becomes an object before it is read, and the array's type is its type check. ValueError
    for a packed list that is not whole; whether the floats are finite is the reader's to check."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in _PACKED:
            tag, text = next(iter(value.items()))
            numbers = array(_PACKED[tag])
            numbers.frombytes(a2b_base64(text, strict_mode=True))
            return numbers
        return {k: unpack(v) for k, v in value.items()}
    if isinstance(value, list) and set(map(type, value)) & {dict, list}:
        return [unpack(v) for v in value]
    return value


# ----- the knowledge base as JSON, checked against its type hints on the way back -----------------


def encode(value: Any) -> Any:
    """A frozen dataclass tree (tuples, frozensets, read-only mappings, text, numbers) as JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only mappings with text keys can be cached")
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(encode(v) for v in value)
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"a {type(value).__name__} cannot be cached")


def decode(hint: Any, data: Any) -> Any:
    """The value of type `hint` that encode() turned into `data`; TypeError or ValueError if it does not fit."""
    return _decoder(hint)(data)


@cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    origin, args = get_origin(hint), get_args(hint)
    if hint in _LEAVES:
        return partial(_leaf, _LEAVES[hint])
    if origin in (Union, UnionType):
        return _union([_decoder(a) for a in args])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _collection(tuple, args[0])
    if origin is tuple:
        items = [_decoder(a) for a in args]
        return lambda data: tuple(f(d) for f, d in zip(items, _list(data, len(items)), strict=True))
    if origin is frozenset:
        return _collection(frozenset, args[0])
    if origin in (Mapping, dict) and args and args[0] is str:
        wrap = MappingProxyType if origin is Mapping else dict
        if args[1] in _LEAVES:
            kinds = _LEAVES[args[1]]
            return lambda data: wrap(dict(zip(_leaves(list(_dict(data)), {str}), _leaves(list(data.values()), kinds))))
        value = _decoder(args[1])
        return lambda data: wrap({k: value(v) for k, v in zip(_leaves(list(_dict(data)), {str}), data.values())})
    if is_dataclass(hint):
        return _dataclass(hint)
    raise TypeError(f"no cache format for {hint!r}")


def _collection(make: Callable[[Any], Any], hint: Any) -> Callable[[Any], Any]:
    """A decoder of lists into `make` (tuple, frozenset) of `hint`: whole lists of leaves checked at once."""
    if hint in _LEAVES:
        kinds = _LEAVES[hint]
        return lambda data: make(_leaves(_list(data), kinds))
    item = _decoder(hint)
    return lambda data: make(map(item, _list(data)))


def _dataclass(cls: type) -> Callable[[Any], Any]:
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    if any(not f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__} has fields set after construction")
    decoders = [(name, _decoder(hints[name])) for name in names]
    expected = set(names)

    def build(data: Any) -> Any:
        if _dict(data).keys() != expected:
            raise ValueError(f"{cls.__name__}: fields do not match")
        return cls(**{name: decode_field(data[name]) for name, decode_field in decoders})

    return build


# the JSON types each leaf type is decoded from: exactly its own (a bool is not an int), ints for floats
_LEAVES: dict[Any, set[type]] = {str: {str}, bool: {bool}, NoneType: {NoneType}, int: {int}, float: {int, float}}


def _leaf(kinds: set[type], data: Any) -> Any:
    if type(data) not in kinds or (float in kinds and not isfinite(data)):
        raise TypeError(f"expected {' or '.join(sorted(k.__name__ for k in kinds))}, found {data!r}")
    return data


def _leaves(values: list[Any], kinds: set[type]) -> list[Any]:
    """`values`, if each is of one of `kinds` (and finite, for numbers); else TypeError."""
    if not kinds.issuperset(map(type, values)):
        raise TypeError(f"expected {' or '.join(sorted(k.__name__ for k in kinds))}")
    if float in kinds and not all(map(isfinite, values)):
        raise TypeError("expected finite numbers")
    return values


def _union(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def first_fit(data: Any) -> Any:
        for option in options:
            try:
                return option(data)
            except (TypeError, ValueError):
                continue
        raise TypeError("no type of the union fits")

    return first_fit


def _list(data: Any, length: int | None = None) -> list[Any]:
    if not isinstance(data, list) or (length is not None and len(data) != length):
        raise TypeError("expected a list" + (f" of {length}" if length is not None else ""))
    return data


def _dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("expected a mapping")
    return data
