"""The page every address shows while `runchat --reload` waits for a broken assistant's fix."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from chat.devserver.load_failure import LoadFailure, failure_page
from chat.engine.assistant import AssistantLoadError, load


@pytest.fixture
def failure(tmp_path, use_assistant) -> LoadFailure:
    helper = tmp_path / "helper.py"
    helper.write_text("VALUE = 1 +\n")
    app = tmp_path / "app.py"
    app.write_text("import chat.sdk as cl\nimport helper\n")
    with pytest.raises(AssistantLoadError) as error:
        load(str(app), force=True)
    return LoadFailure.of(str(app), error.value)


def test_the_files_to_watch_are_the_assistant_and_the_file_with_the_error(failure, tmp_path):
    assert {tmp_path / "app.py", tmp_path / "helper.py"} <= failure.files


def test_with_debug_the_page_shows_the_error_and_its_traceback(failure, settings, tmp_path):
    settings.DEBUG = True
    response = failure_page(RequestFactory().get("/"), failure)
    page = response.content.decode()
    assert response.status_code == 500
    assert "The assistant failed to load" in page
    assert "SyntaxError" in page
    assert f"{tmp_path / 'helper.py'}&quot;, line 1" in page


def test_without_debug_the_page_names_no_code(failure, settings, tmp_path):
    settings.DEBUG = False
    page = failure_page(RequestFactory().get("/"), failure).content.decode()
    assert "The assistant failed to load" in page
    assert "SyntaxError" not in page
    assert str(tmp_path) not in page


def test_the_page_speaks_the_browser_s_language(failure):
    request = RequestFactory().get("/", headers={"accept-language": "de"})
    page = failure_page(request, failure).content.decode()
    assert "Der Assistent konnte nicht geladen werden" in page
    assert '<html lang="de"' in page
