// ODK Web Forms has no translations of its own buttons and messages (they are English only).
// The ones a participant meets on a plain questionnaire are replaced, as they appear, with the
// page language's text from the server: in text and in the attributes screen readers and
// inputs show. Anything not in the table stays in English.
const ATTRIBUTES = ["aria-label", "placeholder", "title"];

export function translateWebForms(root, table) {
  const phrases = Object.entries(table);
  if (!phrases.length) {
    return;
  }
  const translated = (text) => {
    const trimmed = text.trim();
    if (!trimmed) {
      return null;
    }
    if (table[trimmed] !== undefined) {
      return text.replace(trimmed, table[trimmed]);
    }
    for (const [english, local] of phrases) {      // "3 questions with errors." and the like
      if (english.startsWith("{n}") && trimmed.endsWith(english.slice(3))) {
        const number = trimmed.slice(0, trimmed.length - english.length + 3).trim();
        if (/^\d+$/.test(number)) {
          return text.replace(trimmed, local.replace("{n}", number));
        }
      }
    }
    return null;
  };
  const text = (node) => {
    const changed = translated(node.nodeValue);
    if (changed !== null && changed !== node.nodeValue) {
      node.nodeValue = changed;
    }
  };
  const attributes = (element) => {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      const changed = value ? translated(value) : null;
      if (changed !== null && changed !== value) {
        element.setAttribute(name, changed);
      }
    }
  };
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      text(node);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    attributes(node);
    node.querySelectorAll(ATTRIBUTES.map((a) => `[${a}]`).join(",")).forEach(attributes);
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let found = walker.nextNode(); found; found = walker.nextNode()) {
      text(found);
    }
  };
  walk(root);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") {
        text(record.target);
      } else if (record.type === "attributes") {
        attributes(record.target);
      } else {
        record.addedNodes.forEach(walk);
      }
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true,
                              attributeFilter: ATTRIBUTES });
}
