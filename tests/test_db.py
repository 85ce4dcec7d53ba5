"""Schema, pragmas and upgrades of the SQLite database."""

import sqlite3

import pytest

from desktopapp.core import db as dbm


def test_fresh_database_has_current_schema_and_pragmas(tmp_path):
    database = dbm.open_database(tmp_path / "a.sqlite3")
    assert dbm.schema_version(database) == dbm.SCHEMA_VERSION
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    columns = {c.name for c in database.get_columns("photo")}
    assert {"phash", "sharpness", "brightness", "flags", "duplicate_of"} <= columns
    database.close()


def test_version_1_database_is_upgraded_keeping_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.open_database(path, migrate_to=1, bind=False)
    assert dbm.schema_version(old) == 1
    old.execute_sql("INSERT INTO project (name, created_at) VALUES ('Maison', 1)")
    old.execute_sql("INSERT INTO batch (project_id, created_at) VALUES (1, 1)")
    old.execute_sql(
        "INSERT INTO photo (batch_id, position, source_path, file_name, status, updated_at) "
        "VALUES (1, 0, '/x/salon.jpg', 'salon.jpg', 'DONE', 1)"
    )
    old.close()
    with sqlite3.connect(path) as raw:
        assert "phash" not in {row[1] for row in raw.execute("PRAGMA table_info(photo)")}

    upgraded = dbm.open_database(path)
    assert dbm.schema_version(upgraded) == dbm.SCHEMA_VERSION
    photo = dbm.Photo.get()
    assert photo.file_name == "salon.jpg" and photo.status == "DONE"
    assert photo.flags == [] and photo.phash is None  # new columns, defaults applied
    photo.phash = "00ff"
    photo.save()
    assert dbm.Photo.get().phash == "00ff"
    upgraded.close()


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {dbm.SCHEMA_VERSION + 1}")
    with pytest.raises(dbm.DatabaseProblem, match="newer PhotoLot"):
        dbm.open_database(path)


def test_journal_ids_are_never_reused(tmp_path):
    database = dbm.open_database(tmp_path / "j.sqlite3")
    project = dbm.Project.create(name="p")
    first = dbm.Batch.create(project=project)
    e1 = dbm.Event.create(batch=first, type="t", payload={})
    first.delete_instance(recursive=True)
    second = dbm.Batch.create(project=project)
    e2 = dbm.Event.create(batch=second, type="t", payload={})
    assert e2.id > e1.id
    database.close()
