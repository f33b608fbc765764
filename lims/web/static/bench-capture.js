// Bench page: "Capture from instrument" queues a capture for a bench station, then polls the point's readings
// (about once a second) and shows them as they arrive: the value exactly as the instrument sent it, the unit,
// the stability flag and the instrument's time (on the lab's clock, formatted by the server). Stable readings (or readings from an instrument without a
// stability flag) fill the point's reading inputs in order; the technician checks them and presses Enter to
// save the point, which computes the result on the server as for typed readings.
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("points");
  if (!container) return;
  const POLL_MS = 1000;

  const text = (form, key) => {
    const template = form.querySelector("template[data-texts]");
    const node = template && template.content.querySelector(`[data-${key}]`);
    return node ? node.textContent : "";
  };

  const addRow = (form, reading) => {
    const table = form.querySelector("table[data-bench-readings]");
    table.hidden = false;
    const row = table.tBodies[0].insertRow();
    const stable = reading.stable === true ? text(form, "yes") : reading.stable === false ? text(form, "no") : "—";
    for (const value of [String(reading.seq), reading.value, reading.unit, stable, reading.time_text]) {
      row.insertCell().textContent = value;
    }
    row.dataset.readingId = String(reading.id);
    if (reading.stable === false) row.classList.add("unstable");
  };

  const fill = (section, state, reading) => {
    const pointForm = section.querySelector("form[data-bench-point]");
    // Only this capture's readings fill the point (an agent may deliver to the same point meanwhile).
    if (!pointForm || reading.stable === false || reading.request !== state.requestId) return;
    const inputs = pointForm.querySelectorAll("input[name^='reading_']");
    if (state.filled >= inputs.length) return;
    inputs[state.filled].value = reading.value.trim();
    state.ids.push(reading.id);
    state.filled += 1;
    const ids = pointForm.querySelector("input[data-bench-ids]");
    if (ids) ids.value = state.ids.join(",");
    if (state.filled === inputs.length) {
      const reference = pointForm.querySelector("input[name='reference_value']");
      const target = reference && !reference.value ? reference : pointForm.querySelector("input[data-first]");
      if (target) target.focus();
      state.complete = true;
    }
  };

  const poll = async (form, section, state) => {
    if (!section.isConnected) return; // the point was saved and re-rendered
    const status = form.querySelector("[data-capture-status]");
    let data;
    try {
      const url = `${form.dataset.readingsUrl}?after=${state.after}`;
      const response = await fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"});
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      status.textContent = text(form, "network");
      window.setTimeout(() => poll(form, section, state), POLL_MS * 2);
      return;
    }
    for (const reading of data.readings) {
      state.after = Math.max(state.after, reading.id);
      if (state.resumed && reading.request !== state.requestId) continue;
      addRow(form, reading);
      fill(section, state, reading);
    }
    const request = data.request;
    if (request && request.id === state.requestId) {
      let message = `${request.label} (${request.taken || form.querySelectorAll("tbody tr").length}/${request.count})`;
      if (request.state === "failed" && request.error) message += `: ${request.error}`;
      if (state.complete) message += ` ${text(form, "filled")}`;
      status.textContent = message;
      const finished = request.state === "done" || request.state === "failed";
      if (finished && data.readings.length === 0) {
        form.querySelector("button[type=submit]").disabled = false;
        return; // nothing more will come
      }
    }
    window.setTimeout(() => poll(form, section, state), POLL_MS);
  };

  // After a reload, keep following the captures still queued or running (their readings only).
  for (const form of container.querySelectorAll("form[data-bench-capture][data-active-request]")) {
    const section = form.closest("section.point");
    form.querySelector("button[type=submit]").disabled = true;
    const state = {requestId: Number(form.dataset.activeRequest), after: 0, filled: 0, ids: [], complete: false, resumed: true};
    poll(form, section, state);
  }

  container.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-bench-capture]");
    if (!form) return;
    event.preventDefault();
    const section = form.closest("section.point");
    const button = form.querySelector("button[type=submit]");
    const status = form.querySelector("[data-capture-status]");
    button.disabled = true;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form), // carries the CSRF token
        headers: {"X-Requested-With": "fetch", Accept: "application/json"},
        credentials: "same-origin",
      });
    } catch (error) {
      button.disabled = false;
      form.submit(); // network trouble: fall back to a normal post
      return;
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {error: `${response.status} ${response.statusText}`};
    }
    if (!response.ok || !data.request) {
      button.disabled = false;
      status.textContent = data.error || `${response.status} ${response.statusText}`;
      return;
    }
    form.querySelector("tbody").replaceChildren();
    status.textContent = data.request.label;
    const state = {requestId: data.request.id, after: data.after || 0, filled: 0, ids: [], complete: false};
    window.setTimeout(() => poll(form, section, state), POLL_MS / 2);
  });
});
