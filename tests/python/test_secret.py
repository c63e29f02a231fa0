"""The deployment secret (crosstrack/secret.py): refused when unfit, required by publication and the build, the key
of every record fingerprint (crosstrack_keyed_hash), and never written into anything a build produces."""

from __future__ import annotations

import hmac
import os
import secrets
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from crosstrack import dbt_plugin
from crosstrack.cli import main
from crosstrack.pipeline import BuildError, build_warehouse
from crosstrack.publish import PublishError, publish
from crosstrack.secret import SECRET_FILE_ENV, SecretError, create_secret, load_secret


def _write(path: Path, content: str, mode: int = 0o600) -> Path:
    path.write_text(content, encoding="ascii")
    path.chmod(mode)
    return path


def _hmac_fingerprint(key: bytes, value: str) -> int:
    return int.from_bytes(hmac.new(key, value.encode("utf-8"), "sha256").digest()[:8], "big") % dbt_plugin.MODULUS


# ---- load_secret and create_secret ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mode", "fault"),
    [
        (None, 0o600, "no such file"),
        ("", 0o600, "empty"),
        ("\n", 0o600, "empty"),
        ("0123456789abcdef0123456789abcd", 0o600, "30 hex characters, at least 32"),
        ("0123456789abcdef0123456789abcdef0", 0o600, "33 hex characters, an odd number"),
        ("changeme", 0o600, "placeholder"),
        ("a" * 64, 0o600, "placeholder"),
        ("not hex at all, but long enough to pass a length check", 0o600, "not hexadecimal"),
        (secrets.token_hex(32), 0o644, "group or others"),
        (secrets.token_hex(32), 0o640, "group or others"),
    ],
)
def test_an_unfit_secret_file_is_refused_with_its_path(tmp_path, content, mode, fault):
    path = tmp_path / "crosstrack.key"
    if content is not None:
        _write(path, content, mode)
    with pytest.raises(SecretError) as raised:
        load_secret(path)
    message = str(raised.value)
    assert str(path) in message and fault in message and "crosstrack secret init" in message


def test_the_secret_file_is_found_through_the_environment(tmp_path, monkeypatch):
    value = secrets.token_hex(16)
    monkeypatch.setenv(SECRET_FILE_ENV, str(_write(tmp_path / "k", value + "\n")))
    assert load_secret() == bytes.fromhex(value)
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "absent"))
    with pytest.raises(SecretError, match="absent"):
        load_secret()


def test_create_secret_writes_a_private_fresh_secret_once(tmp_path):
    path = tmp_path / ".secrets" / "crosstrack.key"
    assert create_secret(path) == path
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    first = load_secret(path)
    assert len(first) == 32
    create_secret(path)  # present: kept, never overwritten
    assert load_secret(path) == first
    assert load_secret(create_secret(tmp_path / "other.key")) != first


@pytest.mark.rules("R-PUB-5")
def test_secret_init_prints_the_path_never_the_secret(tmp_path, capsys):
    path = tmp_path / "s" / "crosstrack.key"
    assert main(["secret", "init", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and path.read_text().strip() not in out
    path.chmod(0o644)
    assert main(["secret", "init", "--file", str(path)]) == 2  # an existing unfit file is reported, not kept silently
    assert "group or others" in capsys.readouterr().err


# ---- publication and the build refuse without a secret ----------------------------------------------------------


def test_publication_refuses_without_a_valid_secret(tmp_path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema public")
    con.execute("create table public.pub_a as select 7 as record_count")
    con.close()
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(PublishError, match=r"missing\.key"):
        publish(warehouse, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv(SECRET_FILE_ENV, str(create_secret(tmp_path / "ok.key")))
    assert publish(warehouse, tmp_path / "out").tables == ("pub_a",)


def test_the_build_refuses_a_bad_secret_before_dbt_runs(tmp_path, monkeypatch):
    (tmp_path / "landing").mkdir()
    monkeypatch.setenv(SECRET_FILE_ENV, str(_write(tmp_path / "k", "changeme")))
    with pytest.raises(BuildError, match=r"build refused: deployment secret .*placeholder"):
        build_warehouse(
            tmp_path / "landing", tmp_path / "w.duckdb", "2026-07-01", docs=False, quiet=True, target_path=tmp_path
        )
    assert not (tmp_path / "w.duckdb.build").exists()


# ---- crosstrack_keyed_hash -----------------------------------------------------------------------------------


def _keyed(con: duckdb.DuckDBPyConnection, values: list[str | None], function: str = "crosstrack_keyed_hash(v)"):
    sql = f"select {function} from unnest(?::varchar[]) with ordinality as t(v, i) order by i"
    return [row[0] for row in con.execute(sql, [values]).fetchall()]


@pytest.mark.rules("R-PUB-5")
def test_the_keyed_hash_is_hmac_sha256_of_the_secret_and_depends_on_it(tmp_path, monkeypatch):
    values = [f"person#{i}" for i in range(3000)] + ["é", "", None]
    con = duckdb.connect()
    dbt_plugin.register(con)
    first, second = (create_secret(tmp_path / name) for name in ("a.key", "b.key"))
    monkeypatch.setenv(SECRET_FILE_ENV, str(first))
    by_first = _keyed(con, values)
    assert by_first == _keyed(con, values)  # the same secret: the same fingerprints
    key = load_secret(first)
    assert by_first == [None if v is None else _hmac_fingerprint(key, v) for v in values]
    monkeypatch.setenv(SECRET_FILE_ENV, str(second))
    by_second = _keyed(con, values)
    assert sum(a != b for a, b in zip(by_first[:-1], by_second[:-1], strict=True)) >= len(values) - 5
    unkeyed = _keyed(con, values, "hash(v) % 2147483647")
    assert sum(a == b for a, b in zip(by_first[:-1], unkeyed[:-1], strict=True)) == 0
    assert all(0 <= f < dbt_plugin.MODULUS for f in by_first[:-1])


def test_the_keyed_hash_needs_the_secret_only_when_called(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "absent.key"))
    con = duckdb.connect()
    dbt_plugin.register(con)  # as dbt parse, run-operation and renders do: no secret read
    with pytest.raises(duckdb.Error, match=r"absent\.key"):
        con.execute("select crosstrack_keyed_hash('x')").fetchall()


@pytest.mark.rules("R-PUB-3", "R-PUB-5")
def test_the_build_keys_every_fingerprint_with_the_deployment_secret(built_warehouse, deployment_secret):
    con = duckdb.connect(str(built_warehouse.database), read_only=True)
    keys = [row[0] for row in con.execute("select cast(admission_key as varchar) from cohorts.admissions").fetchall()]
    built = con.execute("select record_fingerprint from publication.int_public_admission_records").fetchall()
    con.close()
    assert len(keys) > 100
    assert Counter(row[0] for row in built) == Counter(_hmac_fingerprint(deployment_secret.key, k) for k in keys)


# ---- the artifact scan -----------------------------------------------------------------------------------------


@pytest.mark.rules("R-PUB-5")
def test_no_file_a_build_writes_holds_the_secret(built_warehouse, deployment_secret):
    """Every file under the build's folder (dbt target: compiled/, run/, manifest.json, run_results.json,
    catalog.json, index.html, logs/; the warehouse; the published release; the quality report; the delivery) is
    searched for the secret as text (any case) and as bytes."""
    root = built_warehouse.database.parent
    needles = [deployment_secret.hex.encode(), deployment_secret.hex.upper().encode(), deployment_secret.key]
    scanned: list[Path] = []
    hits: list[str] = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            content = path.read_bytes()
            scanned.append(path.relative_to(root))
            hits += [f"{path}: {needle[:4]!r}..." for needle in needles if needle in content]
    assert hits == []
    scanned_names = {str(path) for path in scanned}
    target = built_warehouse.target.relative_to(root)
    for required in ("manifest.json", "run_results.json", "catalog.json", "index.html", "logs/dbt.log"):
        assert str(target / required) in scanned_names, required
    compiled = [p for p in scanned if p.parts[:2] == (*target.parts, "compiled") and p.suffix == ".sql"]
    fingerprinting = [p for p in compiled if "crosstrack_keyed_hash" in (root / p).read_text()]
    assert len(fingerprinting) >= 5  # the scan read the compiled SQL that calls the keyed hash
    assert any(p.parts[: len(target.parts) + 1] == (*target.parts, "run") for p in scanned)
    assert built_warehouse.public_database.relative_to(root) in scanned
    assert any(p.parts[0] == built_warehouse.quality.name for p in scanned)
