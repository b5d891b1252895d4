// Names come from the server as the reporter types, so the form stays small on a phone.
const hints = document.getElementById("people-hints");
for (const name of ["victims", "instigators", "witnesses"]) {
  const input = document.getElementById("id_" + name);
  if (!input) continue;
  input.setAttribute("list", "people-hints");
  input.setAttribute("autocomplete", "off");
  input.addEventListener("input", async () => {
    const cut = input.value.lastIndexOf(",") + 1;
    const before = input.value.slice(0, cut), word = input.value.slice(cut).trim();
    if (word.length < 2) return;
    const reply = await fetch("/records/report/people/?q=" + encodeURIComponent(word));
    if (!reply.ok) return;
    hints.replaceChildren(...(await reply.json()).people.map((p) => {
      const option = document.createElement("option");
      option.value = (before ? before.trimEnd() + " " : "") + p.id;
      option.textContent = p.name + (p.kind === "staff" ? " (staff)" : " " + p.class);
      return option;
    }));
  });
}
