"""Reading XForms: parse them safely and extract what the server needs.

The server never trusts an uploaded XForm: it is parsed with defusedxml and
DTDs are refused outright (an XForm never needs one, and entities are the
door to "billion laughs" and external-entity attacks). From the parsed form
we take the facts the rest of Sapat relies on: the form id and version that
ODK Collect and OpenRosa use, the instance paths that hold attachment file
names, and the media files the form expects to be uploaded next to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from forms.errors import FormError
from forms.validation import run_odk_validate

XHTML = "{http://www.w3.org/1999/xhtml}"
XFORMS = "{http://www.w3.org/2002/xforms}"

# jr:// prefixes of files the form needs as form attachments (media).
MEDIA_PREFIXES = (
    "jr://images/",
    "jr://audio/",
    "jr://video/",
    "jr://file/",
    "jr://file-csv/",
)
# ODK Collect reads external itemsets (select_one_external) from this file.
ITEMSETS_FILE = "itemsets.csv"
_SEARCH_APPEARANCE = re.compile(r"search\(\s*['\"]([^'\"]+)['\"]")


@dataclass(frozen=True)
class FormInfo:
    """The facts about a form that the server stores and serves."""

    form_id: str
    version: str | None
    title: str
    root_name: str
    languages: list[str]
    binary_paths: list[str]
    media_files: list[str]
    has_meta_instance_id: bool


@dataclass(frozen=True)
class CompiledForm:
    """An XForm ready to publish, with what is known about it."""

    xml: bytes
    info: FormInfo
    warnings: list[str]
    media: dict[str, bytes]
    # pyxform's JSON of the survey (labels, choices, binds per field) when compiled
    # from an XLSForm; None for an uploaded XForm. The codebook is built from it.
    definition: dict | None = None


def load_xform(xml: bytes, *, validate: bool = True) -> CompiledForm:
    """Accept an uploaded XForm: inspect it and, by default, run ODK Validate.

    Raises FormError if the file is not a well-formed XForm with an id, or if
    ODK Validate rejects it.
    """
    info = inspect_xform(xml)
    warnings = run_odk_validate(xml) if validate else []
    return CompiledForm(xml=xml, info=info, warnings=warnings, media={})


def inspect_xform(xml: bytes) -> FormInfo:
    """Extract the id, version, title, languages, attachment fields and media of an XForm.

    Raises FormError when the bytes are not a well-formed XForm with an id.
    """
    html = parse_xml(xml)
    if html.tag != f"{XHTML}html":
        raise FormError(
            "The file is not an XForm: its root element must be <h:html> "
            "in the XHTML namespace."
        )
    head = _required_child(html, f"{XHTML}head", "<h:head>")
    model = _required_child(head, f"{XFORMS}model", "<model> inside <h:head>")
    data = _primary_instance_root(model)
    root_name = _local_name(data.tag)
    form_id = (data.get("id") or "").strip()
    if not form_id:
        raise FormError(
            f"The XForm has no form id: add an id attribute to <{root_name}>, "
            "the root element of the primary instance."
        )
    return FormInfo(
        form_id=form_id,
        version=data.get("version") or None,
        title=_title(head) or form_id,
        root_name=root_name,
        languages=_languages(model),
        binary_paths=_binary_paths(model, root_name),
        media_files=_media_files(html),
        has_meta_instance_id=_has_meta_instance_id(data),
    )


def parse_xml(xml: bytes) -> Element:
    """Parse untrusted XML, refusing DTDs, entities and anything not UTF-8.

    XForms are UTF-8 by the ODK specification, so other encodings are refused
    rather than guessed.
    """
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormError(
            f"The XForm is not UTF-8 text (invalid byte at position {err.start}): "
            "save it as UTF-8."
        ) from err
    try:
        return SafeElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as err:
        raise FormError(
            "The XForm contains a DOCTYPE or entity declaration, which is not "
            "allowed: remove the <!DOCTYPE ...> part."
        ) from err
    except ParseError as err:
        raise FormError(f"The file is not well-formed XML: {err}.") from err


def _required_child(parent: Element, tag: str, description: str) -> Element:
    """Return the child element ``tag`` or explain that the XForm lacks it."""
    child = parent.find(tag)
    if child is None:
        raise FormError(f"The file is not an XForm: it has no {description}.")
    return child


def _primary_instance_root(model: Element) -> Element:
    """Return the root element of the primary (first) instance."""
    instance = model.find(f"{XFORMS}instance")
    if instance is None:
        raise FormError("The file is not an XForm: its <model> has no <instance>.")
    roots = list(instance)
    if len(roots) != 1:
        raise FormError(
            "The file is not an XForm: the primary <instance> must contain exactly "
            f"one root element, found {len(roots)}."
        )
    return roots[0]


def _local_name(tag: str) -> str:
    """Strip the ``{namespace}`` part ElementTree puts in front of tag names."""
    return tag.rsplit("}", 1)[-1]


def _title(head: Element) -> str:
    """The form title, or an empty string when the XForm has none."""
    title = head.find(f"{XHTML}title")
    return (title.text or "").strip() if title is not None else ""


def _languages(model: Element) -> list[str]:
    """The itext translation languages, in the order the form declares them."""
    translations = model.iterfind(f"{XFORMS}itext/{XFORMS}translation")
    return [lang for t in translations if (lang := t.get("lang"))]


def _binary_paths(model: Element, root_name: str) -> list[str]:
    """Instance paths of fields whose answers are attachment file names."""
    prefix = f"/{root_name}/"
    return [
        nodeset
        for bind in model.iterfind(f"{XFORMS}bind")
        if bind.get("type") == "binary"
        and (nodeset := (bind.get("nodeset") or "").strip()).startswith(prefix)
    ]


def _media_files(html: Element) -> list[str]:
    """File names the form expects as attachments, in document order, unique."""
    return list(dict.fromkeys(_media_references(html)))


def _media_references(html: Element) -> Iterator[str]:
    """Yield every media file name the XForm refers to.

    These are jr:// references in itext and instance src attributes, the CSV
    of a ``search()`` appearance and the itemsets file of external selects.
    """
    for element in html.iter():
        for name, value in element.attrib.items():
            if file_name := _jr_file_name(value):
                yield file_name
            elif name == "appearance" and (match := _SEARCH_APPEARANCE.search(value)):
                yield f"{match.group(1)}.csv"
            elif name == "query" and element.tag == f"{XFORMS}input":
                yield ITEMSETS_FILE
        if file_name := _jr_file_name(element.text or ""):
            yield file_name


def _jr_file_name(value: str) -> str | None:
    """The file name in a jr:// media reference, or None if it is not one."""
    value = value.strip()
    for prefix in MEDIA_PREFIXES:
        if value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :]
    return None


def _has_meta_instance_id(data: Element) -> bool:
    """Whether the primary instance has meta/instanceID (used to deduplicate submissions)."""
    for meta in data:
        if _local_name(meta.tag) == "meta":
            return any(_local_name(child.tag) == "instanceID" for child in meta)
    return False


_PRIMARY_ROOT = re.compile(rb"<(?:[\w.-]+:)?instance\s*>\s*<([\w.:-]+)([^>]*?)(/?)>", re.S)
_VERSION_ATTRIBUTE = re.compile(rb"""(\sversion\s*=\s*)("[^"]*"|'[^']*')""")


def set_version(xml: bytes, version: str) -> bytes:
    """The XForm with its primary instance's ``version`` attribute set, the rest byte for byte.

    What ODK Central does when a draft is published under a new version name.
    """
    match = _PRIMARY_ROOT.search(xml)
    if match is None:
        raise FormError("The XForm has no primary instance to carry a version.")
    quoted = b'"' + version.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").encode() + b'"'
    attributes = match.group(2)
    if _VERSION_ATTRIBUTE.search(attributes):
        attributes = _VERSION_ATTRIBUTE.sub(lambda m: m.group(1) + quoted, attributes, count=1)
    else:
        attributes += b" version=" + quoted
    start, end = match.span(2)
    changed = xml[:start] + attributes + xml[end:]
    if inspect_xform(changed).version != version:
        raise FormError("The XForm's version could not be set.")
    return changed
