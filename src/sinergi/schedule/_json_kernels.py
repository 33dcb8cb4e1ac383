"""Compiled loops of ``sinergi schedule``'s input and output: reading the links of a
document straight from its bytes, finding their ends among the task ids, and writing the
tasks of the answer as indented JSON.

Like :mod:`._kernels`, plain Python over NumPy arrays, compiled by Numba (cached on disk)
when it is importable; the command uses them only then (as Python they would be far
slower than msgspec), and the tests run them both ways.

The link reader is deliberately narrow: it takes only links written the plain way (keys
``from``, ``to``, ``type``, ``lag`` at most once each, ids of printable ASCII without
escapes, a type among FS, SS, FF, SF, a lag of at most 18 digits) and gives up on anything
else, leaving it to msgspec and the object route, which name what is wrong.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._kernels import _jit

U8 = NDArray[np.uint8]
I8 = NDArray[np.int8]
I64 = NDArray[np.int64]
#: Positions in a buffer: int32 below 2 GB (half the memory), else int64.
Positions = NDArray[np.int32] | NDArray[np.int64]

# Bytes the link reader knows.
_SPACE, _TAB, _LF, _CR = 32, 9, 10, 13
_QUOTE, _BACKSLASH, _COMMA, _COLON, _MINUS = 34, 92, 44, 58, 45
_LBRACKET, _RBRACKET, _LBRACE, _RBRACE = 91, 93, 123, 125
_ZERO, _NINE = 48, 57
_F, _S = 70, 83
#: Most digits of a lag the reader takes (beyond 64 bits is msgspec's and the object
#: route's to judge).
MAX_DIGITS = 18


@_jit
def _skip_ws(buf: U8, p: int) -> int:
    n = buf.shape[0]
    while p < n:
        c = buf[p]
        if c != _SPACE and c != _LF and c != _CR and c != _TAB:
            break
        p += 1
    return p


@_jit
def _plain_string(buf: U8, p: int) -> int:
    """Return the position of the closing quote of the string whose opening quote is at
    ``p - 1``, or -1 if it holds anything but printable ASCII other than a backslash."""
    n = buf.shape[0]
    while p < n:
        c = buf[p]
        if c == _QUOTE:
            return p
        if c < 32 or c > 126 or c == _BACKSLASH:
            return -1
        p += 1
    return -1


@_jit
def _key(buf: U8, p: int, q: int) -> int:
    """Return which key the string ``buf[p:q]`` is: 0 from, 1 to, 2 type, 3 lag, -1 other."""
    size = q - p
    if size == 4 and buf[p] == 102 and buf[p + 1] == 114 and buf[p + 2] == 111:
        return 0 if buf[p + 3] == 109 else -1  # from
    if size == 2 and buf[p] == 116 and buf[p + 1] == 111:
        return 1  # to
    if size == 4 and buf[p] == 116 and buf[p + 1] == 121 and buf[p + 2] == 112:
        return 2 if buf[p + 3] == 101 else -1  # type
    if size == 3 and buf[p] == 108 and buf[p + 1] == 97 and buf[p + 2] == 103:
        return 3  # lag
    return -1


@_jit
def read_links(  # noqa: C901 - one small parser
    buf: U8, ends: Positions, typ: I8, lag: I64
) -> int:
    """Read a JSON array of link objects from ``buf``; return how many, or -1 on anything
    it does not take.

    Link ``e``'s predecessor id is ``buf[ends[4e]:ends[4e+1]]`` and its successor's
    ``buf[ends[4e+2]:ends[4e+3]]``; its type code (0 FS, 1 SS, 2 FF, 3 SF) goes in
    ``typ[e]`` and its lag in ``lag[e]``. The arrays must hold the links (-1 otherwise).
    """
    n = buf.shape[0]
    cap = typ.shape[0]
    p = _skip_ws(buf, 0)
    if p >= n or buf[p] != _LBRACKET:
        return -1
    p = _skip_ws(buf, p + 1)
    if p < n and buf[p] == _RBRACKET:
        p = _skip_ws(buf, p + 1)
        return 0 if p == n else -1
    m = 0
    while True:
        # One link object.
        if p >= n or buf[p] != _LBRACE or m >= cap:
            return -1
        seen = 0
        t = 0
        v = 0
        p = _skip_ws(buf, p + 1)
        if p < n and buf[p] == _RBRACE:
            return -1  # no from, no to
        while True:
            if p >= n or buf[p] != _QUOTE:
                return -1
            q = _plain_string(buf, p + 1)
            if q < 0:
                return -1
            k = _key(buf, p + 1, q)
            if k < 0 or seen & (1 << k):
                return -1
            seen |= 1 << k
            p = _skip_ws(buf, q + 1)
            if p >= n or buf[p] != _COLON:
                return -1
            p = _skip_ws(buf, p + 1)
            if p >= n:
                return -1
            if k <= 1:  # an id
                if buf[p] != _QUOTE:
                    return -1
                q = _plain_string(buf, p + 1)
                if q < 0:
                    return -1
                ends[4 * m + 2 * k] = p + 1
                ends[4 * m + 2 * k + 1] = q
                p = q + 1
            elif k == 2:  # the type: "FS", "SS", "FF" or "SF"
                if p + 3 >= n or buf[p] != _QUOTE or buf[p + 3] != _QUOTE:
                    return -1
                a, b = buf[p + 1], buf[p + 2]
                if a == _F and b == _S:
                    t = 0
                elif a == _S and b == _S:
                    t = 1
                elif a == _F and b == _F:
                    t = 2
                elif a == _S and b == _F:
                    t = 3
                else:
                    return -1
                p += 4
            else:  # the lag: an integer written the JSON way, at most 18 digits
                neg = buf[p] == _MINUS
                if neg:
                    p += 1
                start = p
                v = 0
                while p < n and _ZERO <= buf[p] <= _NINE:
                    v = v * 10 + (int(buf[p]) - _ZERO)
                    p += 1
                digits = p - start
                if digits == 0 or digits > MAX_DIGITS or (digits > 1 and buf[start] == _ZERO):
                    return -1
                if neg:
                    v = -v
            p = _skip_ws(buf, p)
            if p >= n:
                return -1
            if buf[p] == _COMMA:
                p = _skip_ws(buf, p + 1)
                continue
            if buf[p] == _RBRACE:
                break
            return -1  # a fraction, an exponent, a stray character...
        if seen & 3 != 3:
            return -1
        typ[m] = t
        lag[m] = v
        m += 1
        p = _skip_ws(buf, p + 1)
        if p >= n:
            return -1
        if buf[p] == _COMMA:
            p = _skip_ws(buf, p + 1)
            continue
        if buf[p] == _RBRACKET:
            p = _skip_ws(buf, p + 1)
            return m if p == n else -1
        return -1


@_jit
def _integer(buf: U8, p: int) -> tuple[int, int]:
    """Read a JSON integer of at most 18 digits at ``p``: return (value, end), end -1 if
    there is none there or it is written otherwise (a fraction, an exponent...)."""
    n = buf.shape[0]
    neg = p < n and buf[p] == _MINUS
    if neg:
        p += 1
    start = p
    v = 0
    while p < n and _ZERO <= buf[p] <= _NINE:
        v = v * 10 + (int(buf[p]) - _ZERO)
        p += 1
    digits = p - start
    if digits == 0 or digits > MAX_DIGITS or (digits > 1 and buf[start] == _ZERO):
        return 0, -1
    if p < n and (buf[p] == 46 or buf[p] == 101 or buf[p] == 69):  # . e E
        return 0, -1
    return (-v if neg else v), p


@_jit
def _number(buf: U8, p: int) -> int:
    """Return the end of the JSON number at ``p`` (at most 40 characters), or -1."""
    n = buf.shape[0]
    start = p
    if p < n and buf[p] == _MINUS:
        p += 1
    first = p
    while p < n and _ZERO <= buf[p] <= _NINE:
        p += 1
    if p == first or (p - first > 1 and buf[first] == _ZERO):
        return -1
    if p < n and buf[p] == 46:  # .
        p += 1
        q = p
        while p < n and _ZERO <= buf[p] <= _NINE:
            p += 1
        if p == q:
            return -1
    if p < n and (buf[p] == 101 or buf[p] == 69):  # e E
        p += 1
        if p < n and (buf[p] == 43 or buf[p] == _MINUS):
            p += 1
        q = p
        while p < n and _ZERO <= buf[p] <= _NINE:
            p += 1
        if p == q:
            return -1
    return p if p - start <= 40 else -1


@_jit
def _is_null(buf: U8, p: int) -> bool:
    return (
        p + 3 < buf.shape[0]
        and buf[p] == 110
        and buf[p + 1] == 117
        and buf[p + 2] == 108
        and buf[p + 3] == 108
    )


#: The keys of a task, as the reader numbers them.
TASK_KEYS = (
    "id",
    "duration",
    "agency",
    "name",
    "earliest_start",
    "deadline",
    "actual_start",
    "actual_finish",
    "percent_complete",
    "remaining_duration",
)
_TASK_KEY_TEXT = np.frombuffer("".join(TASK_KEYS).encode(), dtype=np.uint8)
_TASK_KEY_PTR = np.cumsum(np.array([0] + [len(k) for k in TASK_KEYS], dtype=np.int64))


@_jit
def _task_key(buf: U8, p: int, q: int) -> int:
    for k in range(_TASK_KEY_PTR.shape[0] - 1):
        a, b = _TASK_KEY_PTR[k], _TASK_KEY_PTR[k + 1]
        if b - a == q - p:
            same = True
            for i in range(b - a):
                if _TASK_KEY_TEXT[a + i] != buf[p + i]:
                    same = False
                    break
            if same:
                return k
    return -1


@_jit
def read_tasks(  # noqa: C901 - one small parser
    buf: U8, ids: U8, agencies: U8, durations: I64, extra: I64, used: I64
) -> int:
    """Read a JSON array of task objects from ``buf``; return how many, or -1 on anything
    it does not take (strings other than printable ASCII without escapes, a name that is
    not a string, a key twice or unknown, no id or duration...).

    The ids go into ``ids`` and the agencies ("" if none) into ``agencies``, separated by
    a double quote; task ``t``'s duration into ``durations[t]``. The rest, rarer, goes in
    rows of ``extra`` (task, key, start, end): a date or a percentage is ``buf[start:end]``
    (key 4 to 8, see ``TASK_KEYS``), a remaining duration is ``start`` (key 9); null is no
    row. ``used`` gets the bytes of ``ids`` and ``agencies`` used and the rows of ``extra``.
    """
    n = buf.shape[0]
    cap = durations.shape[0]
    cap_extra = extra.shape[0]
    pi = 0
    pa = 0
    px = 0
    p = _skip_ws(buf, 0)
    if p >= n or buf[p] != _LBRACKET:
        return -1
    p = _skip_ws(buf, p + 1)
    if p < n and buf[p] == _RBRACKET:
        used[0] = used[1] = used[2] = 0
        return 0 if _skip_ws(buf, p + 1) == n else -1
    m = 0
    while True:
        if p >= n or buf[p] != _LBRACE or m >= cap:
            return -1
        if m:
            ids[pi] = _QUOTE
            agencies[pa] = _QUOTE
            pi += 1
            pa += 1
        seen = 0
        p = _skip_ws(buf, p + 1)
        if p < n and buf[p] == _RBRACE:
            return -1  # no id
        while True:
            if p >= n or buf[p] != _QUOTE:
                return -1
            q = _plain_string(buf, p + 1)
            if q < 0:
                return -1
            k = _task_key(buf, p + 1, q)
            if k < 0 or seen & (1 << k):
                return -1
            seen |= 1 << k
            p = _skip_ws(buf, q + 1)
            if p >= n or buf[p] != _COLON:
                return -1
            p = _skip_ws(buf, p + 1)
            if p >= n:
                return -1
            if k >= 4 and _is_null(buf, p):  # a date, percentage or remainder not given
                p += 4
            elif k == 1 or k == 9:  # duration, remaining duration
                v, e = _integer(buf, p)
                if e < 0 or px >= cap_extra:
                    return -1
                if k == 1:
                    durations[m] = v
                else:
                    extra[px, 0] = m
                    extra[px, 1] = k
                    extra[px, 2] = v
                    px += 1
                p = e
            elif k == 8:  # percent complete: a number
                e = _number(buf, p)
                if e < 0 or px >= cap_extra:
                    return -1
                extra[px, 0] = m
                extra[px, 1] = k
                extra[px, 2] = p
                extra[px, 3] = e
                px += 1
                p = e
            else:  # a string: id, agency, name or a date
                if buf[p] != _QUOTE:
                    return -1
                q = _plain_string(buf, p + 1)
                if q < 0 or (k == 0 and q == p + 1):
                    return -1  # not plain, or an empty id
                if k == 0:
                    for b in range(p + 1, q):
                        ids[pi] = buf[b]
                        pi += 1
                elif k == 2:
                    for b in range(p + 1, q):
                        agencies[pa] = buf[b]
                        pa += 1
                elif k >= 4:
                    if px >= cap_extra:
                        return -1
                    extra[px, 0] = m
                    extra[px, 1] = k
                    extra[px, 2] = p + 1
                    extra[px, 3] = q
                    px += 1
                p = q + 1
            p = _skip_ws(buf, p)
            if p >= n:
                return -1
            if buf[p] == _COMMA:
                p = _skip_ws(buf, p + 1)
                continue
            if buf[p] == _RBRACE:
                break
            return -1
        if seen & 3 != 3:  # an id and a duration
            return -1
        m += 1
        p = _skip_ws(buf, p + 1)
        if p >= n:
            return -1
        if buf[p] == _COMMA:
            p = _skip_ws(buf, p + 1)
            continue
        if buf[p] == _RBRACKET:
            used[0] = pi
            used[1] = pa
            used[2] = px
            return m if _skip_ws(buf, p + 1) == n else -1
        return -1


@_jit
def _same(a: U8, p: int, q: int, b: U8, r: int, s: int) -> bool:
    if q - p != s - r:
        return False
    for i in range(q - p):  # noqa: SIM110 - a loop Numba compiles
        if a[p + i] != b[r + i]:
            return False
    return True


#: FNV-1a kept to 56 bits, so that it is the same in Python and in int64 arithmetic.
_LOW56 = (1 << 56) - 1
_FNV_START = 14695981039346656037 & _LOW56
_FNV_PRIME = 1099511628211
#: Ids of at most this many bytes are told apart by their key alone.
SHORT = 7


@_jit
def _key_of(buf: U8, p: int, q: int) -> tuple[int, int]:
    """Return a hash of ``buf[p:q]`` and its key: the length in the top byte, below it the
    bytes themselves if there are at most ``SHORT`` (the key then says which string it is),
    else the hash."""
    h = _FNV_START
    packed = 0
    for i in range(p, q):
        c = int(buf[i])
        h = ((h ^ c) * _FNV_PRIME) & _LOW56
        if i - p < SHORT:
            packed |= c << (8 * (i - p))
    size = min(q - p, 127)
    return h ^ (h >> 29), (size << 56) | (packed if size <= SHORT else h)


@_jit
def find_ends(ids: U8, id_ptr: I64, buf: U8, ends: Positions, m: int, out: I64) -> int:
    """Find the task of each link end: ``ids[id_ptr[i]:id_ptr[i+1]]`` is task ``i``'s id,
    ``buf[ends[2j]:ends[2j+1]]`` end ``j`` of the first ``m`` links (``out[j]``: its task).

    Return 0, 1 if an id is repeated, 2 if an end is no task's id, 3 if there are too
    many ids (2**31 tasks or bytes).

    An open-addressing table of rows (key, where the id starts << 32 | task), 16 bytes,
    so that finding a short id touches one cache line and a long one two.
    """
    n = id_ptr.shape[0] - 1
    if n >= 1 << 31 or id_ptr[n] >= 1 << 31:
        return 3
    size = 2
    while size < (3 * n) // 2:
        size *= 2
    mask = size - 1
    table = np.full(2 * size, -1, dtype=np.int64)
    for i in range(n):
        p, q = id_ptr[i], id_ptr[i + 1]
        h, key = _key_of(ids, p, q)
        slot = h & mask
        while table[2 * slot + 1] >= 0:
            if table[2 * slot] == key:
                r = table[2 * slot + 1] >> 32
                if q - p <= SHORT or _same(ids, r, r + q - p, ids, p, q):
                    return 1
            slot = (slot + 1) & mask
        table[2 * slot] = key
        table[2 * slot + 1] = (p << 32) | i
    low = (1 << 32) - 1
    for e in range(2 * m):
        p, q = ends[2 * e], ends[2 * e + 1]
        h, key = _key_of(buf, p, q)
        slot = h & mask
        while True:
            v = table[2 * slot + 1]
            if v < 0:
                return 2
            if table[2 * slot] == key:
                r = v >> 32
                if q - p <= SHORT or _same(ids, r, r + q - p, buf, p, q):
                    out[e] = v & low
                    break
            slot = (slot + 1) & mask
    return 0


@_jit
def write_tasks(
    out: U8,
    pos: int,
    n: int,
    ids: U8,
    id_ptr: I64,
    kinds: I64,
    nums: I64,
    refs: I64,
    table: U8,
    table_ptr: I64,
    pieces: U8,
    piece_ptr: I64,
) -> int:
    """Write ``n`` tasks of the answer into ``out`` from ``pos``; return where it ends.

    Task ``i`` is piece 0, its id (``ids[id_ptr[i]:id_ptr[i+1]]``, escaped already), then
    for each field ``f`` piece ``f + 1`` and the value: ``nums[kinds[f], i]`` in decimal
    if ``kinds[f] >= 0``, else entry ``refs[-1 - kinds[f], i]`` of the table; then the last
    piece but one. Tasks are separated by the last piece. ``out`` must be large enough.
    """
    fields = kinds.shape[0]
    digits = np.empty(20, dtype=np.uint8)
    for i in range(n):
        for f in range(fields + 2):
            if f == 0 and i > 0:  # the separator
                for b in range(piece_ptr[fields + 2], piece_ptr[fields + 3]):
                    out[pos] = pieces[b]
                    pos += 1
            for b in range(piece_ptr[f], piece_ptr[f + 1]):
                out[pos] = pieces[b]
                pos += 1
            if f == 0:
                for b in range(id_ptr[i], id_ptr[i + 1]):
                    out[pos] = ids[b]
                    pos += 1
            elif f <= fields:
                k = kinds[f - 1]
                if k >= 0:
                    v = nums[k, i]
                    if v < 0:
                        out[pos] = _MINUS
                        pos += 1
                        v = -v
                    d = 0
                    while True:
                        digits[d] = _ZERO + v % 10
                        d += 1
                        v //= 10
                        if v == 0:
                            break
                    while d > 0:
                        d -= 1
                        out[pos] = digits[d]
                        pos += 1
                else:
                    e = refs[-1 - k, i]
                    for b in range(table_ptr[e], table_ptr[e + 1]):
                        out[pos] = table[b]
                        pos += 1
    return pos
