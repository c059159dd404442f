// ODK Web Forms has no translations of its own buttons and messages (they are English only).
// The ones a participant meets on a plain questionnaire are replaced, as they appear, with the
// page language's text from the server; anything not in the table stays in English.
export function translateWebForms(root, table) {
  const phrases = Object.entries(table);
  if (!phrases.length) {
    return;
  }
  const translate = (node) => {
    const text = node.nodeValue;
    const trimmed = text.trim();
    if (!trimmed) {
      return;
    }
    let changed = table[trimmed];
    if (changed === undefined) {
      for (const [english, local] of phrases) {      // "3 questions with errors." and the like
        if (english.startsWith("{n}") && trimmed.endsWith(english.slice(3))) {
          const number = trimmed.slice(0, trimmed.length - english.length + 3).trim();
          if (/^\d+$/.test(number)) {
            changed = local.replace("{n}", number);
          }
        }
      }
    }
    if (changed !== undefined && changed !== trimmed) {
      node.nodeValue = text.replace(trimmed, changed);
    }
  };
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      translate(node);
      return;
    }
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      translate(text);
    }
  };
  walk(root);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") {
        translate(record.target);
      } else {
        record.addedNodes.forEach(walk);
      }
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}
