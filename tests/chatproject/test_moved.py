"""Modules that moved still import from their old paths, with a warning naming the new one."""

import importlib
import sys

import pytest

from chatproject.moved import MOVED, new_name


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_gives_the_module_at_its_new_place_and_warns(old, new):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_a_module_inside_a_moved_package_is_found_by_its_old_path():
    sys.modules.pop("chatproject.db.postgresql.base", None)
    with pytest.warns(DeprecationWarning, match="chatproject.serving.db"):
        old = importlib.import_module("chatproject.db.postgresql.base")
    assert old is importlib.import_module("chatproject.serving.db.postgresql.base")
    assert new_name("chatproject.db.sqlite3") == "chatproject.serving.db.sqlite3"


def test_a_database_engine_named_by_its_old_path_still_connects(settings):
    from django.db.utils import load_backend

    with pytest.warns(DeprecationWarning, match="chatproject.serving.db"):
        backend = load_backend("chatproject.db.sqlite3")
    assert backend.DatabaseWrapper.__module__ == "chatproject.serving.db.sqlite3.base"


def test_paths_that_did_not_move_are_left_to_python():
    assert new_name("chat.views_of_something_else") is None
    assert new_name("chat.engine.session") is None
