"""The page's files without a browser: every text in three languages, every catalog entry translated, the
page's copy of the upload limit equal to the server's."""
from __future__ import annotations

import json
import re
from importlib import resources

from renovate_net.catalog import load_catalog
from renovate_net.labels import LABEL_ID
from renovate_net.serve.uploads import MAX_UPLOAD_BYTES

STATIC = resources.files("renovate_net.serve") / "static"
LANGUAGES = {"en", "nl", "fr"}


def texts() -> dict:
    return json.loads((STATIC / "i18n.json").read_text(encoding="utf-8"))


def test_every_ui_text_in_every_language():
    ui = texts()["ui"]
    assert set(ui) == LANGUAGES == set(texts()["languages"])
    for language in LANGUAGES:
        assert set(ui[language]) == set(ui["en"]), language
        for key, text in ui[language].items():
            assert text.strip(), (language, key)
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", ui["en"][key])), (language, key)


def test_every_text_the_page_uses_exists():
    keys = set(texts()["ui"]["en"])
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    scripts = "".join((STATIC / name).read_text(encoding="utf-8") for name in ("app.js", "choices.js"))
    used = set(re.findall(r'data-i18n(?:-aria)?="(\w+)"', html)) | set(re.findall(r'\bt\("(\w+)"', scripts))
    assert used and used <= keys, used - keys


def test_every_type_material_and_region_is_translated():
    table = texts()
    catalog = load_catalog()
    for renovation in catalog.types:
        assert set(table["types"][renovation.id]) == LANGUAGES, renovation.id
        assert renovation.edits in table["regions"] and renovation.edits in LABEL_ID
        for material in renovation.materials:
            assert set(table["materials"][material.id]) == LANGUAGES, material.id
    assert set(table["types"]) == set(catalog.type_ids)
    assert set(table["materials"]) == {m.id for m in catalog.materials}
    assert table["types"]["facade-insulation"]["nl"] == "Gevelisolatie met crepi"
    assert table["materials"]["brick-slip-red"]["fr"].startswith("Plaquettes de parement")


def test_the_page_knows_the_server_upload_limit():
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    limit = re.search(r"MAX_UPLOAD_BYTES = ([\d_]+)", script).group(1)
    assert int(limit.replace("_", "")) == MAX_UPLOAD_BYTES


def test_the_page_translates_what_render_says_of_windows_that_keep_their_frames():
    from renovate_net.render.frames import NewFrames

    script = (STATIC / "app.js").read_text(encoding="utf-8")
    for framed, pattern in ((1, r"(\d+) of (\d+) windows show no frame clear enough"),
                            (0, r"no window shows a frame clear enough")):
        assert pattern in script
        assert re.match(pattern, NewFrames(None, None, framed, 3, "windows").note()), framed
