// Runs before ODK Web Forms is evaluated (it is imported first): Web Forms and PrimeVue inject
// their styles as <style> elements. The page's CSP allows only styles that carry this page's
// nonce, so every <style> made through createElement gets it; a <style> smuggled into the page
// some other way (markup injection) still has none and is refused.
const page = document.querySelector("script[data-sapat-webforms]");
const nonce = page ? page.nonce : "";
const createElement = Document.prototype.createElement;

Document.prototype.createElement = function (name, options) {
  const element = createElement.call(this, name, options);
  if (nonce && String(name).toLowerCase() === "style") {
    element.nonce = nonce;
  }
  return element;
};
