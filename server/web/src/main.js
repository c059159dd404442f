// Sapat's online questionnaire page: one ODK Web Forms <OdkWebForm>, fed by the server.
//
// The page (server/templates/web_form.html) hands over, as data attributes of #sapat-form:
// the form's URL, where its media files are, where to POST the submission, where to go
// once it was accepted, and the page's own texts (Kyrgyz or Russian) as JSON.
import "./style-nonce.js";
import { createApp, h } from "vue";
import { OdkWebForm, webFormsPlugin } from "@getodk/web-forms";
import { translateWebForms } from "./translate.js";

const mount = document.getElementById("sapat-form");
const config = mount.dataset;
const texts = JSON.parse(config.texts);
const status = document.getElementById("sapat-status");

function show(message, kind) {
  status.textContent = message;
  status.className = `status ${kind}`;
  status.hidden = !message;
  if (message) {
    status.scrollIntoView({ block: "nearest" });
  }
}

// jr://images/a.png, jr://file/list.csv, ...: the form's media files, by their file name.
function fetchFormAttachment(resource) {
  const name = decodeURIComponent(resource.pathname.split("/").pop() || resource.host);
  return fetch(`${config.mediaUrl}${encodeURIComponent(name)}`, { credentials: "same-origin" });
}

async function submit(payload, done) {
  if (payload.status !== "ready") {
    return;
  }
  show(texts.sending, "pending");
  let response;
  try {
    response = await fetch(config.submitUrl, {
      method: "POST",
      body: payload.data[0],
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
  } catch {
    show(texts.offline, "error");
    done();
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    window.location.assign(body.next || config.doneUrl);
    return;
  }
  if (body.next) {        // the link was spent meanwhile (another device): its page says so
    window.location.assign(body.next);
    return;
  }
  show(`${body.message || texts.failed}${body.code ? ` (${body.code})` : ""}`, "error");
  done();
}

async function start() {
  const response = await fetch(config.formUrl, { credentials: "same-origin" });
  if (!response.ok) {
    show(texts.failed, "error");
    return;
  }
  const formXml = await response.text();
  const app = createApp({
    render: () => h(OdkWebForm, {
      formXml,
      fetchFormAttachment,
      missingResourceBehavior: "BLANK",
      onSubmit: submit,
    }),
  });
  app.use(webFormsPlugin);
  app.mount(mount);
  translateWebForms(mount, texts.webforms || {});
}

start();
