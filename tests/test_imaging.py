import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from renovate_net.errors import UserError
from renovate_net.imaging import check_writable, load_image, load_labels, save_image


def gradient(width=96, height=80) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    return np.stack([np.broadcast_to(x, (height, width)), np.broadcast_to(y, (height, width)),
                     np.full((height, width), 90, np.float32)], -1).astype(np.uint8)


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "CMYK", "RGBA", "LA", "I;16", "I", "1"])
def test_any_mode_loads_as_rgb(tmp_path, mode):
    image = Image.fromarray(gradient()).convert(mode if mode not in ("I;16", "I") else "L")
    if mode in ("I;16", "I"):  # 16-bit grey: values 0..65535
        values = np.asarray(image).astype(np.int32) * 257
        image = Image.fromarray(values.astype(np.uint16 if mode == "I;16" else np.int32))
        assert image.mode == mode
    path = tmp_path / ("photo.tif" if mode in ("CMYK", "I") else "photo.png")
    image.save(path)
    array = load_image(path)
    assert array.dtype == np.uint8 and array.shape == (80, 96, 3)
    if mode in ("L", "I;16", "I"):  # grey levels survive the conversion, 16-bit scaled to 8-bit
        expected = np.asarray(Image.fromarray(gradient()).convert("L"))
        assert np.abs(array[..., 0].astype(int) - expected).max() <= 1


def test_transparency_composited_on_white(tmp_path):
    rgba = np.zeros((70, 70, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:35, :, 3] = 255  # top half opaque red-ish, bottom half fully transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    array = load_image(tmp_path / "a.png")
    assert tuple(array[10, 10]) == (200, 0, 0)
    assert tuple(array[60, 10]) == (255, 255, 255)


def test_exif_orientation_applied(tmp_path):
    image = Image.fromarray(gradient(120, 70))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    image.save(tmp_path / "rotated.jpg", exif=exif)
    assert load_image(tmp_path / "rotated.jpg").shape == (120, 70, 3)


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        load_image(tmp_path / "nope.jpg")


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(UserError, match="is a folder"):
        load_image(tmp_path)


def test_not_an_image(tmp_path):
    (tmp_path / "notes.jpg").write_text("this is not a photo")
    with pytest.raises(UserError, match="not an image"):
        load_image(tmp_path / "notes.jpg")


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_file(tmp_path, suffix):
    noisy = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    path = tmp_path / f"photo{suffix}"
    Image.fromarray(noisy).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated or corrupt"):
        load_image(path)


def test_too_small(tmp_path):
    Image.fromarray(gradient(63, 100)).save(tmp_path / "small.png")
    with pytest.raises(UserError, match="too small"):
        load_image(tmp_path / "small.png")


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but holds almost no data (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + \
        chunk(b"IEND", b"")


def test_huge_image_refused_from_header(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(50_000, 50_000))
    with pytest.raises(UserError, match="2500.0 megapixels, above the 40 MP limit"):
        load_image(path)


def test_pixel_limit_is_configurable(tmp_path):
    Image.fromarray(gradient(200, 200)).save(tmp_path / "p.png")
    with pytest.raises(UserError, match="megapixels"):
        load_image(tmp_path / "p.png", max_pixels=30_000)
    assert load_image(tmp_path / "p.png", max_pixels=40_000).shape == (200, 200, 3)


def test_labels_round_trip_and_checks(tmp_path):
    labels = (np.arange(80 * 96).reshape(80, 96) % 8).astype(np.uint8)
    save_image(labels, tmp_path / "l.png")
    np.testing.assert_array_equal(load_labels(tmp_path / "l.png", size=(96, 80)), labels)
    with pytest.raises(UserError, match="label map is 96x80 but the photo is 100x80"):
        load_labels(tmp_path / "l.png", size=(100, 80))
    save_image(labels + 3, tmp_path / "bad_ids.png")
    with pytest.raises(UserError, match="holds id 10; valid ids are 0..7"):
        load_labels(tmp_path / "bad_ids.png")
    save_image(gradient(), tmp_path / "rgb.png")
    with pytest.raises(UserError, match="single-channel"):
        load_labels(tmp_path / "rgb.png")


def test_save_never_overwrites_without_force(tmp_path):
    path = tmp_path / "out.png"
    save_image(gradient(), path)
    before = path.read_bytes()
    with pytest.raises(UserError, match="already exists; pass --force"):
        save_image(np.zeros((80, 96, 3), np.uint8), path)
    assert path.read_bytes() == before
    save_image(np.zeros((80, 96, 3), np.uint8), path, force=True)
    assert np.all(load_image(path) == 0)
    assert (path.stat().st_mode & 0o777) == 0o644


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "out.png"

    def broken_save(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_image(gradient(), path)
    assert list(tmp_path.iterdir()) == []  # no output, no temp file left behind


def test_save_checks_folder_and_type(tmp_path):
    with pytest.raises(UserError, match="no such folder"):
        save_image(gradient(), tmp_path / "missing" / "x.png")
    with pytest.raises(UserError, match="unknown image type"):
        save_image(gradient(), tmp_path / "x.gif")
    with pytest.raises(UserError, match="already exists"):
        (tmp_path / "taken.png").write_bytes(b"")
        check_writable(tmp_path / "taken.png")
