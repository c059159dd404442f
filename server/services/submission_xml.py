"""Reading what a submission says about itself: form, version, instanceID, attachments.

Parsed with defusedxml: DTDs, entity declarations and external references are refused
outright, so a hostile document cannot expand, read files or reach the network.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .. import problems


@dataclass(frozen=True)
class ParsedSubmission:
    root: Element
    xml_form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_submission(xml: bytes) -> ParsedSubmission:
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise problems.unparseable("xml", "DTDs and entity declarations are not accepted") from None
    except ParseError as err:
        raise problems.unparseable("xml", str(err)) from None
    xml_form_id = (root.get("id") or "").strip()
    if not xml_form_id:
        raise problems.unexpected_value("form id", "(none)", "the root element of the submission needs an id "
                                        "attribute naming the form")
    meta = {local(child.tag): (child.text or "").strip()
            for node in root if local(node.tag) == "meta" for child in node}
    instance_id = meta.get("instanceID") or (root.get("instanceID") or "").strip()
    if not instance_id:
        raise problems.missing_meta("instanceID")
    if len(instance_id) > 200:
        raise problems.unexpected_value("instanceID", instance_id[:40] + "…", "it is longer than 200 characters")
    return ParsedSubmission(root=root, xml_form_id=xml_form_id, version=(root.get("version") or "").strip(),
                            instance_id=instance_id, deprecated_id=meta.get("deprecatedID") or None)


def attachment_names(root: Element, root_name: str, binary_paths: list[str]) -> list[str]:
    """File names the submission puts in the form's binary fields (photos, audio, files), in order."""
    wanted = set(binary_paths)
    found: dict[str, None] = {}

    def walk(node: Element, path: str) -> None:
        for child in node:
            child_path = f"{path}/{local(child.tag)}"
            if child_path in wanted and (child.text or "").strip():
                found[child.text.strip()] = None
            walk(child, child_path)

    if wanted:
        walk(root, "/" + root_name)
    return list(found)


# Classes whose answers identify no one and stay queryable in clear; everything else
# (identifiers, sensitive answers, free text, and fields a form did not classify) is sealed.
CLEAR_CLASSES = {"none", "quasi_identifier"}
SYSTEM_CLEAR = {"instanceID", "deprecatedID"}


@dataclass
class SplitValues:
    clear: dict[str, str]       # path -> value, for answers that identify no one
    personal: dict[str, str]    # path -> value, to be sealed
    linking: dict[str, str]     # path -> value of linking identifiers, for blind indexes


def split_values(root: Element, root_name: str, classes: dict[str, str]) -> SplitValues:
    """Every answered leaf, keyed by its path (``[n]`` marks the n-th of a repeated element)."""
    split = SplitValues({}, {}, {})

    def walk(node: Element, path: str, plain: str) -> None:
        counts: dict[str, int] = {}
        names = [local(child.tag) for child in node]
        for child, name in zip(node, names):
            counts[name] = counts.get(name, 0) + 1
            step = f"{name}[{counts[name]}]" if names.count(name) > 1 else name
            child_path, child_plain = f"{path}/{step}", f"{plain}/{name}"
            if len(child):
                walk(child, child_path, child_plain)
                continue
            value = (child.text or "").strip()
            if not value:
                continue
            kind = classes.get(child_plain) or ("none" if name in SYSTEM_CLEAR and "/meta/" in child_plain else None)
            (split.clear if kind in CLEAR_CLASSES else split.personal)[child_path] = value
            if kind == "linking_identifier":
                split.linking[child_path] = value

    walk(root, "/" + root_name, "/" + root_name)
    return split
