// The list of renovation works: tap a work to add it; an added work opens its materials (swatches from the
// catalog) and a colour picker for a custom colour. `choices` maps type id -> {material, colour|null}.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderChoices(list, catalog, choices, tr, onChange) {
  list.replaceChildren(...catalog.map((entry) => typeItem(entry, choices, tr, onChange)));
}

function typeItem(entry, choices, tr, onChange) {
  const item = element("li", "type");
  item.dataset.type = entry.id;
  const head = element("button", "type-head");
  head.type = "button";
  const name = element("span", "type-name", tr.type(entry));
  const detail = element("small");
  name.append(detail);
  const dot = element("span", "dot");
  const minis = element("span", "minis");  // the materials' colours, as a hint while the work is not chosen
  minis.append(...entry.materials.map((material) => {
    const swatch = element("span", "dot");
    swatch.style.background = material.colour;
    return swatch;
  }));
  head.append(element("span", "check"), name, minis, dot);

  const body = element("div", "type-body");
  const chips = element("div", "chips");
  chips.setAttribute("role", "group");
  chips.setAttribute("aria-label", tr.t("material"));
  const chipFor = new Map(entry.materials.map((material) => {
    const chip = element("button", "chip");
    chip.type = "button";
    chip.dataset.material = material.id;
    const swatch = element("span", "dot");
    swatch.style.background = material.colour;
    chip.append(swatch, tr.material(material));
    chip.addEventListener("click", () => update({ material: material.id, colour: null }));
    return [material.id, chip];
  }));
  chips.append(...chipFor.values());

  const custom = element("label", "custom");
  const picker = element("input");
  picker.type = "color";
  picker.addEventListener("input", () => update({ ...choices.get(entry.id), colour: picker.value.toUpperCase() }));
  const reset = element("button", "reset", tr.t("materialColour"));
  reset.type = "button";
  reset.addEventListener("click", () => update({ ...choices.get(entry.id), colour: null }));
  custom.append(picker, element("span", "", tr.t("customColour")), reset);
  body.append(element("div", "label", tr.t("material")), chips, element("div", "label", tr.t("colour")), custom);
  item.append(head, body);

  head.addEventListener("click", () => update(choices.has(entry.id) ? null : { material: entry.default_material, colour: null }));

  function update(choice) {
    if (choice) choices.set(entry.id, choice);
    else choices.delete(entry.id);
    refresh();
    onChange();
  }

  function refresh() {
    const choice = choices.get(entry.id);
    const material = entry.materials.find((m) => m.id === (choice ? choice.material : entry.default_material));
    const colour = (choice && choice.colour) || material.colour;
    item.classList.toggle("on", Boolean(choice));
    head.setAttribute("aria-pressed", String(Boolean(choice)));
    head.setAttribute("aria-expanded", String(Boolean(choice)));
    body.hidden = !choice;
    dot.hidden = !choice;
    minis.hidden = Boolean(choice);
    dot.style.background = colour;
    detail.textContent = choice ? tr.material(material) + (choice.colour ? ` · ${choice.colour}` : "") : "";
    for (const [id, chip] of chipFor) chip.setAttribute("aria-pressed", String(id === material.id));
    picker.value = colour.toLowerCase();
    reset.hidden = !(choice && choice.colour);
  }

  refresh();
  return item;
}
