"""ui.messages: the desk adds its own wording (upload, Bulk page) to the core's neutral messages."""
from ocr_core.errors import CorruptFileError, EncryptedPDFError, UnsupportedFileTypeError
from ocr_core.loader import sniff
from ui.messages import error_text, named


def test_desk_hints_follow_the_error_code():
    try:
        sniff(b"PK\x03\x04" + b"\0" * 64)
    except UnsupportedFileTypeError as e:
        assert "upload" not in str(e).lower() and "page" not in str(e).lower()  # the core is neutral
        assert "Bulk page" in error_text(e)
    else:
        raise AssertionError("a ZIP is not a single document")
    assert "Upload it again" in error_text(EncryptedPDFError("The PDF is password-protected."))
    assert error_text(CorruptFileError("The image cannot be read.")) == "The image cannot be read."


def test_a_file_is_named_once(settings):
    """The job layer's refusal already starts with the name: the desk does not say it twice."""
    from ocr_core.errors import InputError
    from ocr_core.jobs import submission

    try:
        submission(b"", "bundle.zip/empty.png", None, None, settings)
    except InputError as e:
        msg = str(e)
    else:
        raise AssertionError("an empty file is refused")
    assert named("bundle.zip/empty.png", msg).count("bundle.zip/empty.png") == 1
    assert named("bundle.zip/empty.png", msg) == msg
    assert named("evil.zip", "a member leaves the archive") == "evil.zip: a member leaves the archive"
    assert named("a.png", "a.png.bak: other file") == "a.png: a.png.bak: other file"  # another name is kept
