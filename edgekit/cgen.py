"""C syntax helpers: the only place edgekit spells C, so templates receive values, not logic.

Every helper is total: any model or tensor name (quotes, newlines, ``*/``, backslashes, non-ASCII)
becomes valid C. Conventions follow TFLM's own generated arrays: ``alignas(16) const unsigned char``
data with a separate size constant.
"""

from __future__ import annotations

import re

import numpy as np

#: C and C++ keywords and the few macros that break when used as names.
RESERVED = frozenset("""
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class
    compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype
    default delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline
    int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public register
    reinterpret_cast requires restrict return short signed sizeof static static_assert static_cast struct switch
    template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
    wchar_t while xor xor_eq _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
    _Static_assert _Thread_local NULL EOF main
""".split())


def c_identifier(name: str, prefix: str = "m") -> str:
    """A valid, non-reserved C identifier derived from any string.

    >>> c_identifier("person_detect.tflite")
    'person_detect_tflite'
    >>> c_identifier("2nd model")
    'm_2nd_model'
    >>> c_identifier('evil"*/\\n')
    'evil'
    >>> c_identifier("int")
    'm_int'
    >>> c_identifier("Ünïcode-Name")
    'n_code_Name'
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    cleaned = re.sub(r"_+", "_", cleaned)
    if not cleaned:
        return prefix
    if cleaned[0].isdigit() or cleaned in RESERVED or cleaned.startswith("__"):
        cleaned = f"{prefix}_{cleaned}"
    return cleaned


def c_comment(text: str) -> str:
    """Text made safe inside a ``/* ... */`` comment on one line (no ``*/``, no newlines, ASCII only).

    >>> c_comment("model */ evil\\nnext line")
    'model * / evil next line'
    """
    flat = " ".join(text.replace("*/", "* /").splitlines())
    return flat.encode("ascii", "backslashreplace").decode("ascii")


def c_string(text: str) -> str:
    """A C string literal holding ``text`` (UTF-8 bytes escaped in octal, so any compiler accepts it).

    >>> c_string('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    >>> c_string("é")
    '"\\\\303\\\\251"'
    """
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "?":
            out.append("\\?")  # no trigraphs
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def c_float(value: float) -> str:
    """A C ``float`` literal that reads back as the same 32-bit float (9 significant digits round-trip).

    >>> c_float(1.0)
    '1.0f'
    >>> c_float(0.00390625)
    '0.00390625f'
    >>> c_float(1e-10)
    '1.00000001e-10f'
    >>> c_float(-3)
    '-3.0f'
    """
    text = f"{float(np.float32(value)):.9g}"
    if not any(char in text for char in ".en"):  # "1" -> "1.0": a bare integer takes no f suffix
        text += ".0"
    return text + "f"


def bytes_to_c_initializer(data: bytes, per_line: int = 12, indent: str = "    ") -> str:
    """The body of a C array initializer: hex bytes, ``per_line`` to a line, each line indented.

    >>> print(bytes_to_c_initializer(bytes(range(5)), per_line=3))
        0x00, 0x01, 0x02,
        0x03, 0x04
    """
    lines = []
    for start in range(0, len(data), per_line):
        chunk = data[start:start + per_line]
        lines.append(indent + ", ".join(f"0x{b:02x}" for b in chunk))
    return ",\n".join(lines)
