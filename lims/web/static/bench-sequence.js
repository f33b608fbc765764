// Bench page: the automated sequence. Start, pause, resume, abort and the indications of the instrument under
// test are plain forms (they work without JavaScript); this script sends them with fetch and polls the
// sequence's progress about once a second: the status line, the buttons that apply, and the indications form
// when the sequence waits for the technician (focus in its first field).
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-sequence]");
  if (!section) return;
  const POLL_MS = 1000;
  const status = section.querySelector("[data-sequence-status]");
  const text = (key) => {
    const template = section.querySelector("template[data-texts]");
    const node = template && template.content.querySelector(`[data-${key}]`);
    return node ? node.textContent : "";
  };
  let timer = null;
  let shownIndex = null;

  const render = (seq) => {
    if (!seq) return;
    status.textContent = seq.text;
    const commands = section.querySelector("[data-sequence-command]");
    if (commands) {
      commands.hidden = !seq.active;
      commands.querySelector("[data-pause]").hidden = seq.state === "paused";
      commands.querySelector("[data-resume]").hidden = seq.state !== "paused";
    }
    const start = section.querySelector("[data-sequence-start]");
    if (start) start.hidden = seq.active;
    const entry = section.querySelector("[data-sequence-entry]");
    if (entry) {
      const show = seq.active && seq.waiting;
      if (show && shownIndex !== seq.visit_index) {
        entry.querySelector("[data-entry-index]").value = String(seq.visit_index);
        entry.querySelector("[data-entry-legend]").textContent = seq.legend;
        entry.querySelectorAll("input[name^='indication_']").forEach((input) => { input.value = ""; });
        entry.hidden = false;
        shownIndex = seq.visit_index;
        entry.querySelector("[data-entry-first]").focus();
      } else if (!show) {
        entry.hidden = true;
        shownIndex = null;
      }
    }
    if (!seq.active && timer !== null) { window.clearInterval(timer); timer = null; }
  };

  const poll = async () => {
    try {
      const response = await fetch(section.dataset.statusUrl, {headers: {Accept: "application/json"}, credentials: "same-origin"});
      if (!response.ok) throw new Error(String(response.status));
      render((await response.json()).sequence);
    } catch (error) {
      status.textContent = text("network");
    }
  };
  const follow = () => { if (timer === null) timer = window.setInterval(poll, POLL_MS); poll(); };

  section.addEventListener("submit", async (event) => {
    const form = event.target;
    event.preventDefault();
    const data = new FormData(form);
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    const response = await fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
                                               headers: {"X-Requested-With": "fetch", Accept: "application/json"}});
    const body = await response.json().catch(() => ({}));
    if (body.error) { status.textContent = body.error; return; }
    if (form.matches("[data-sequence-start]")) { window.location.reload(); return; }
    if (form.matches("[data-sequence-entry]")) { form.hidden = true; }
    render(body.sequence);
    follow();
  });

  if (section.querySelector("[data-sequence-command]") && !section.querySelector("[data-sequence-command]").hidden) follow();
});
