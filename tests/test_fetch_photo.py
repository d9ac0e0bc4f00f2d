"""fetch-photo against local fake Nominatim / Mapillary / CDN servers (tests/streetview_fake.py): no network."""
from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from email.utils import formatdate

import pytest
from click.testing import CliRunner
from PIL import Image

from renovate_net.cli import cli
from renovate_net.errors import UserError
from renovate_net.streetview import fetch_photo, find_candidates, sidecar_path
from renovate_net.streetview.http import HttpClient, RateLimited, RateLimiter, ServiceError, retry_after_seconds
from renovate_net.streetview.mapillary import bbox_around, capture_time, parse_image
from renovate_net.streetview.ranking import angle_between, bearing_deg, distance_m, rank_images
from renovate_net.streetview.settings import Settings
from streetview_fake import TOKEN, FakeServices, offset

HOUSE = (51.0500, 3.7300)  # a point in Gent
ADDRESS = "Veldstraat 10, 9000 Gent"
CONTACT = "mailto:ops@example.be"


@pytest.fixture
def services():
    """Five flat images and one panorama around HOUSE; see the ranking each test expects in `ORDER`."""
    fake = FakeServices().start()
    lat, lon = HOUSE
    fake.places[ADDRESS.lower()] = [{"place_id": 1, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
                                     "display_name": "10, Veldstraat, Gent, Oost-Vlaanderen, 9000, België"}]
    # A: 15 m south, faces north. Its device compass says 90 (east); the computed angle (2) must win.
    fake.add_image("A", *offset(lat, lon, -15, 0), colour=(200, 30, 30), compass_angle=90.0,
                   computed_compass_angle=2.0)
    fake.add_image("B", *offset(lat, lon, 0, -8), colour=(30, 200, 30), compass_angle=180.0)  # 8 m, faces away
    fake.add_image("C", *offset(lat, lon, 30, 0), colour=(30, 30, 200), compass_angle=180.0)  # 30 m, faces it
    fake.add_image("D", *offset(lat, lon, 0, 20), colour=(200, 200, 30), compass_angle=240.0)  # 20 m, 30° off
    fake.add_image("H", *offset(lat, lon, 10, 0), colour=(90, 90, 90))  # 10 m, no compass angle
    fake.add_image("P", *offset(lat, lon, 5, 0), compass_angle=180.0, is_pano=True)  # a panorama: left out
    fake.add_image("F", *offset(lat, lon, 45, 45), compass_angle=225.0)  # in the search box, 64 m away
    fake.add_image("FAR", *offset(lat, lon, 400, 0), compass_angle=180.0)  # outside the box
    yield fake
    fake.stop()


ORDER = ["A", "C", "D", "B", "H"]  # facing (by distance + 0.5 m/°), then not facing / unknown


@pytest.fixture
def env(services, tmp_path, monkeypatch):
    monkeypatch.setenv("RENOVATE_NOMINATIM_URL", services.api_url)
    monkeypatch.setenv("RENOVATE_MAPILLARY_URL", services.api_url)
    monkeypatch.setenv("MAPILLARY_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("RENOVATE_CONTACT", CONTACT)
    monkeypatch.setenv("RENOVATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RENOVATE_HTTP_TIMEOUT", "2")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings_for(services, tmp_path, **changes) -> Settings:
    base = Settings(nominatim_url=services.api_url, mapillary_url=services.api_url, token=TOKEN, contact=CONTACT,
                    timeout_s=2.0, cache_dir=tmp_path / "cache", backoff_s=0.01)
    return replace(base, **changes)


def run(*args):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]


def written(folder) -> list[str]:
    """Files left in the working folder (the cache folder aside): temp files would show here too."""
    return sorted(p.name for p in folder.iterdir() if p.name != "cache")


# --- happy path ----------------------------------------------------------------------------------------

def test_fetch_writes_the_facing_photo_and_its_attribution(env, services):
    result = run("fetch-photo", ADDRESS, "-o", "house.jpg")
    assert result.exit_code == 0, result.output
    assert written(env) == ["house.jpg", "house.jpg.attribution.json"]
    assert (env / "house.jpg").read_bytes() == services.photos["A"]  # a JPEG is kept as sent, not re-encoded
    record = json.loads((env / "house.jpg.attribution.json").read_text())
    assert record["image_id"] == "A" and record["creator"] == "user_A"
    assert record["licence"] == "CC BY-SA 4.0" and "creativecommons.org/licenses/by-sa/4.0" in record["licence_url"]
    assert record["url"] == "https://www.mapillary.com/app/?pKey=A"
    assert record["captured_at"] == "2021-06-01T10:00:00Z"  # 1622541600000 ms
    assert "user_A" in record["attribution"] and "pKey=A" in record["attribution"]
    assert record["choice"]["rank"] == 1 and record["choice"]["of"] == 5
    assert record["choice"]["distance_m"] == pytest.approx(15, abs=0.2)
    assert record["choice"]["heading_error_deg"] == pytest.approx(2, abs=0.2)
    assert "OpenStreetMap contributors" in record["geocoding"]
    assert record["target"]["address"] == ADDRESS and "Veldstraat" in record["target"]["display_name"]
    assert "wrote house.jpg" in result.output and "candidate 1 of 5" in result.output


def test_requests_follow_the_services_rules(env, services):
    assert run("fetch-photo", ADDRESS, "-o", "house.jpg").exit_code == 0
    (search,) = services.requests("/search")
    assert search.headers["User-Agent"].startswith("renovate-net/") and CONTACT in search.headers["User-Agent"]
    assert search.query["q"] == ADDRESS and search.query["format"] == "jsonv2"
    assert search.query["countrycodes"] == "be" and search.query["limit"] == "1"
    (images,) = services.requests("/images")
    assert images.headers["Authorization"] == f"OAuth {TOKEN}" and "access_token" not in images.query
    assert {"thumb_original_url", "computed_compass_angle", "creator", "captured_at"} <= set(
        images.query["fields"].split(","))
    min_lon, min_lat, max_lon, max_lat = map(float, images.query["bbox"].split(","))
    assert min_lon < HOUSE[1] < max_lon and min_lat < HOUSE[0] < max_lat
    (download,) = services.requests("/img/A.jpg")
    assert "Authorization" not in download.headers  # the token never goes to the CDN


def test_list_prints_ranked_candidates_without_downloading(env, services):
    result = run("fetch-photo", ADDRESS, "--list")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[2:]]
    assert [row[-1] for row in rows] == ORDER
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    # rank, distance, "m", heading, bearing, error, date, id
    assert rows[0][1:] == ["15.0", "m", "2°", "0°", "2°", "2021-06-01", "A"]
    assert rows[-1][3] == "?" and rows[-1][5] == "?"  # H: no heading, so no error
    assert services.requests("/img/A.jpg") == [] and written(env) == []


def test_pick_takes_another_candidate(env, services):
    result = run("fetch-photo", ADDRESS, "--pick", "2", "-o", "house.jpg")
    assert result.exit_code == 0, result.output
    assert (env / "house.jpg").read_bytes() == services.photos["C"]
    assert json.loads((env / "house.jpg.attribution.json").read_text())["choice"]["rank"] == 2


def test_lat_lon_skip_geocoding_and_png_is_re_encoded(env, services):
    result = run("fetch-photo", "--lat", str(HOUSE[0]), "--lon", str(HOUSE[1]), "-o", "house.png")
    assert result.exit_code == 0, result.output
    assert services.requests("/search") == []
    with Image.open(env / "house.png") as image:
        assert image.format == "PNG" and image.size == (64, 48)
        assert image.convert("RGB").getpixel((32, 24))[0] > 150  # image A is red
    record = json.loads((env / "house.png.attribution.json").read_text())
    assert record["geocoding"] is None and record["target"]["address"] is None


def test_force_overwrites_both_files(env, services):
    (env / "house.jpg").write_bytes(b"old")
    (env / "house.jpg.attribution.json").write_text("{}")
    assert run("fetch-photo", ADDRESS, "-o", "house.jpg", "--force").exit_code == 0
    assert (env / "house.jpg").read_bytes() == services.photos["A"]
    assert json.loads((env / "house.jpg.attribution.json").read_text())["image_id"] == "A"


def test_geocoding_is_cached_on_disk(env, services):
    assert run("fetch-photo", ADDRESS, "--list").exit_code == 0
    assert run("fetch-photo", "  veldstraat 10,   9000 GENT ", "--list").exit_code == 0
    assert len(services.requests("/search")) == 1 and len(services.requests("/images")) == 2


# --- errors: one line, exit code 2, nothing written -------------------------------------------------------

def test_no_token(env, services, monkeypatch):
    monkeypatch.delenv("MAPILLARY_ACCESS_TOKEN")
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "MAPILLARY_ACCESS_TOKEN")
    assert services.seen == [] and written(env) == []  # not even Nominatim was asked


def test_wrong_token(env, services, monkeypatch):
    monkeypatch.setenv("MAPILLARY_ACCESS_TOKEN", "MLY|wrong")
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "refused the access token", "401")
    assert written(env) == []


def test_address_not_found(env, services):
    assert_one_line_error(run("fetch-photo", "Nergensstraat 999, Nergens", "-o", "house.jpg"),
                          "address not found")
    assert services.requests("/images") == [] and written(env) == []


def test_no_image_within_the_radius(env, services):
    lat, lon = offset(*HOUSE, 0, 2000)
    result = run("fetch-photo", "--lat", str(lat), "--lon", str(lon), "-o", "house.jpg")
    assert_one_line_error(result, "no Mapillary image within 50 m", "--radius")
    assert written(env) == []


def test_radius_filters_a_circle_not_the_box(env, services):
    result = run("fetch-photo", ADDRESS, "--list", "--radius", "70")
    ids = [line.split()[-1] for line in result.output.splitlines()[2:]]
    assert "F" in ids and "FAR" not in ids  # F is 64 m away: in at 70 m, out at 50 m (previous tests)


def test_service_error(env, services):
    services.script["/images"].append((500, {}, b'{"error": {"message": "Internal error"}}'))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "Mapillary answered HTTP 500")
    assert written(env) == []


def test_service_answers_not_json(env, services):
    services.script["/search"].append((200, {}, b"<html>maintenance</html>"))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "Nominatim", "not JSON")


def test_time_out(env, services, monkeypatch):
    monkeypatch.setenv("RENOVATE_HTTP_TIMEOUT", "0.3")
    services.delay["/search"] = 1.5
    started = time.monotonic()
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "Nominatim did not answer within 0.3 s")
    assert time.monotonic() - started < 1.4 and written(env) == []


def test_service_unreachable(env, services, monkeypatch):
    monkeypatch.setenv("RENOVATE_MAPILLARY_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "cannot reach Mapillary")


def test_rate_limited_after_bounded_retries(env, services):
    for _ in range(5):
        services.script["/images"].append((429, {"Retry-After": "0"}, b'{"error": "too many"}'))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "rate limiting", "429", "3 tries")
    assert len(services.requests("/images")) == 3 and written(env) == []


def test_rate_limit_retry_honours_retry_after_then_succeeds(env, services):
    services.script["/images"].append((429, {"Retry-After": "1"}, b""))
    started = time.monotonic()
    assert run("fetch-photo", ADDRESS, "-o", "house.jpg").exit_code == 0
    first, second = services.requests("/images")
    assert second.at - first.at >= 0.95 and time.monotonic() - started < 5
    assert (env / "house.jpg").read_bytes() == services.photos["A"]


def test_retry_after_beyond_the_cap_gives_up_at_once(env, services):
    services.script["/search"].append((429, {"Retry-After": "3600"}, b""))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "rate limiting", "3600 s")
    assert len(services.requests("/search")) == 1


def test_output_exists_without_force(env, services):
    (env / "house.jpg").write_bytes(b"mine")
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "already exists", "--force")
    assert (env / "house.jpg").read_bytes() == b"mine" and services.seen == []


def test_sidecar_exists_without_force(env, services):
    (env / "house.jpg.attribution.json").write_text("{}")
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "attribution.json", "already exists")
    assert not (env / "house.jpg").exists() and services.seen == []


def test_failed_download_leaves_nothing(env, services):
    services.script["/img/A.jpg"].append((404, {}, b"gone"))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "image download", "404")
    assert written(env) == []


def test_download_that_is_not_an_image_leaves_nothing(env, services):
    services.script["/img/A.jpg"].append((200, {"Content-Type": "text/html"}, b"<html>expired link</html>"))
    assert_one_line_error(run("fetch-photo", ADDRESS, "-o", "house.jpg"), "not", "readable image")
    assert written(env) == []


@pytest.mark.parametrize("args, words", [
    (["--pick", "9", "-o", "house.jpg"], ["--pick 9", "only 5"]),
    (["--lat", "51", "--lon", "3", "-o", "house.jpg"], ["either an ADDRESS or --lat"]),
    ([], ["-o FILE.jpg", "--list"]),
    (["-o", "house.gif"], ["unknown photo type"]),
])
def test_bad_options(env, services, args, words):
    assert_one_line_error(run("fetch-photo", ADDRESS, *args), *words)
    assert written(env) == []


def test_lat_without_lon():
    assert_one_line_error(run("fetch-photo", "--lat", "51", "-o", "x.jpg"), "both --lat and --lon")


# --- module level --------------------------------------------------------------------------------------

def test_fetch_photo_function(services, tmp_path):
    result = fetch_photo(tmp_path / "h.jpg", address=ADDRESS, settings=settings_for(services, tmp_path))
    assert result.candidate.image.id == "A" and result.candidates == 5
    assert result.sidecar == tmp_path / "h.jpg.attribution.json" == sidecar_path(tmp_path / "h.jpg")
    assert result.photo.read_bytes() == services.photos["A"]


def test_find_candidates_function_prefers_the_facing_camera(services, tmp_path):
    target, candidates = find_candidates(lat=HOUSE[0], lon=HOUSE[1], settings=settings_for(services, tmp_path))
    assert [c.image.id for c in candidates] == ORDER
    assert [c.faces for c in candidates] == [True, True, True, False, False]
    b = candidates[3]
    assert b.distance_m < candidates[0].distance_m and b.heading_error_deg == pytest.approx(90, abs=0.5)


def test_module_errors_are_user_errors(services, tmp_path):
    with pytest.raises(UserError, match="MAPILLARY_ACCESS_TOKEN"):
        find_candidates(ADDRESS, settings=settings_for(services, tmp_path, token=None))
    services.script["/images"].extend([(503, {}, b"")] * 3)
    with pytest.raises(RateLimited, match="HTTP 503"):  # no Retry-After: backoff 0.01 s, 0.02 s, then give up
        find_candidates(ADDRESS, settings=settings_for(services, tmp_path))
    assert len(services.requests("/images")) == 3


def test_ranking_prefers_facing_over_nearer():
    images = [parse_image({"id": i, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                           "compass_angle": angle})
              for i, (lat, lon), angle in [("near-away", offset(*HOUSE, -5, 0), 180.0),
                                           ("far-facing", offset(*HOUSE, -25, 0), 0.0),
                                           ("close-off", offset(*HOUSE, -10, 0), 40.0)]]
    ranked = rank_images(images, *HOUSE, radius_m=50)
    assert [c.image.id for c in ranked] == ["far-facing", "close-off", "near-away"]  # 25 < 10 + 0.5 x 40
    assert ranked[0].score == pytest.approx(25, abs=0.2)


def test_geometry_helpers():
    north, east = offset(*HOUSE, 100, 0), offset(*HOUSE, 0, 100)
    assert distance_m(*HOUSE, *north) == pytest.approx(100, rel=0.01)
    assert bearing_deg(*HOUSE, *north) == pytest.approx(0, abs=0.1)
    assert bearing_deg(*HOUSE, *east) == pytest.approx(90, abs=0.1)
    assert bearing_deg(*north, *HOUSE) == pytest.approx(180, abs=0.1)
    assert angle_between(350, 10) == 20 and angle_between(10, 350) == 20 and angle_between(0, 180) == 180
    min_lon, min_lat, max_lon, max_lat = map(float, bbox_around(*HOUSE, 50).split(","))
    assert min_lon < HOUSE[1] < max_lon and min_lat < HOUSE[0] < max_lat  # lon first, as Mapillary wants
    assert distance_m(*HOUSE, HOUSE[0], max_lon) == pytest.approx(50, rel=0.01)
    assert capture_time(1_622_541_600_000) == "2021-06-01T10:00:00Z" and capture_time(None) is None


def test_parse_image_prefers_computed_values_and_skips_unplaceable():
    image = parse_image({"id": 7, "geometry": {"type": "Point", "coordinates": [3.0, 51.0]},
                         "computed_geometry": {"type": "Point", "coordinates": [3.1, 51.1]},
                         "compass_angle": 370.0, "thumb_2048_url": "http://x/2048.jpg"})
    assert (image.id, image.lat, image.lon, image.compass_angle) == ("7", 51.1, 3.1, 10.0)
    assert image.url == "http://x/2048.jpg" and image.creator is None
    assert parse_image({"id": 8}) is None and parse_image({"geometry": {}}) is None


def test_rate_limiter_spaces_requests_within_and_across_processes(tmp_path):
    now = [1000.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    first = RateLimiter(1.0, tmp_path / "last", clock=lambda: now[0], sleep=sleep)
    assert first.wait() == 0
    now[0] += 0.25
    assert first.wait() == pytest.approx(0.75)
    other_process = RateLimiter(1.0, tmp_path / "last", clock=lambda: now[0], sleep=sleep)  # shares the file
    assert other_process.wait() == pytest.approx(1.0)
    now[0] += 5
    assert other_process.wait() == 0 and slept == [pytest.approx(0.75), pytest.approx(1.0)]


def test_nominatim_gets_at_most_one_request_a_second(services, tmp_path):
    settings = settings_for(services, tmp_path)
    for street in ("Kouter 1, Gent", "Kouter 2, Gent", "Kouter 3, Gent"):
        services.places[street.lower()] = [{"lat": str(HOUSE[0]), "lon": str(HOUSE[1]), "display_name": street}]
        find_candidates(street, settings=settings)
    times = [s.at for s in services.requests("/search")]
    assert len(times) == 3 and all(b - a >= 0.95 for a, b in zip(times, times[1:]))


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7 and retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(formatdate(1000.0 + 30, usegmt=True), now=1000.0) == pytest.approx(30)


def test_http_client_bounds_retries(services):
    services.script["/x"].extend([(429, {}, b"")] * 2)
    services.script["/x"].append((200, {}, b"ok"))
    waits = []
    client = HttpClient("renovate-net/test", timeout_s=2, retries=2, backoff_s=0.5, sleep=waits.append)
    assert client.get(f"{services.api_url}/x", service="X") == b"ok" and waits == [0.5, 1.0]
    services.script["/x"].append((404, {}, b"missing"))
    with pytest.raises(ServiceError, match="X answered HTTP 404") as error:
        client.get(f"{services.api_url}/x", service="X")
    assert error.value.status == 404 and not isinstance(error.value, RateLimited)


def test_downloaded_image_is_the_cdn_bytes(services):
    services.add_image("Z", *HOUSE)
    body = HttpClient("t").get(f"{services.cdn_url}/img/Z.jpg", service="cdn")
    assert Image.open(io.BytesIO(body)).size == (64, 48)
