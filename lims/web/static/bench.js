// Bench page: save one test point without reloading the page. Progressive enhancement only: without this
// file every point form posts normally and the page comes back with the result.
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("points");
  if (!container) return;

  const focusFirst = (section) => {
    const input = section && section.querySelector("input[data-first]");
    if (input && !input.closest("fieldset[disabled]")) input.focus();
  };

  container.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-bench-point]");
    if (!form) return;
    event.preventDefault();
    const section = form.closest("section.point");
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form), // carries the CSRF token and the job version
        headers: {"X-Requested-With": "fetch"},
        credentials: "same-origin",
      });
    } catch (error) {
      if (button) button.disabled = false;
      form.submit(); // network trouble: fall back to a normal post
      return;
    }
    if (!response.ok && response.status !== 422) {
      if (button) button.disabled = false;
      const result = section.querySelector(".result");
      if (result) result.textContent = `${response.status} ${response.statusText}`;
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.firstElementChild;
    section.replaceWith(fresh);
    const version = response.headers.get("X-Job-Version");
    if (version) {
      for (const input of document.querySelectorAll("input[data-job-version]")) input.value = version;
    }
    if (response.ok) {
      focusFirst(fresh.nextElementSibling || fresh);
    } else {
      focusFirst(fresh);
    }
  });
});
