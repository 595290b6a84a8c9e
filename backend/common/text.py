"""Text that every column can store."""


def storable(text: str) -> bool:
    """False for text no database column takes: NUL, or unpaired surrogates
    (which JSON's \\ud800 escapes can produce)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
