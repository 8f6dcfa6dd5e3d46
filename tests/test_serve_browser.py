"""The page in a real browser: Debian's headless chromium (through chromedriver and selenium) loads it, submits an
article and finds the summary and the highlighted kept words in the DOM."""

import shutil
import tempfile

import pytest

if not (shutil.which("chromium") and shutil.which("chromedriver")):
    pytest.skip("the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver); "
                ".ci/run installs them", allow_module_level=True)
pytest.importorskip("selenium", reason="the browser test drives chromium with selenium: pip install -e '.[dev]'")
pytest.importorskip("fastapi", reason="seqae serve needs FastAPI: pip install -e '.[dev]'")
httpx = pytest.importorskip("httpx", reason="the test compares with the API through httpx: pip install -e '.[dev]'")

from live_server import LiveServer  # noqa: E402

from seqae.eval.serve_bench import headless_chromium  # noqa: E402
from seqae.apps.serve import create_app  # noqa: E402

pytestmark = pytest.mark.slow  # drives Chromium

DOCUMENT = "police said on tuesday the army rebels set fire to the city market as oil prices rise after the strike"


@pytest.fixture(scope="module")
def server(tiny_run):
    with LiveServer(create_app(tiny_run)) as live:
        yield live


@pytest.fixture
def browser():
    with tempfile.TemporaryDirectory(prefix="seqae-chromium-") as profile:
        driver = headless_chromium(profile, width=420)  # a phone's width
        try:
            yield driver
        finally:
            driver.quit()


def test_page_summarizes_and_highlights_the_kept_words(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    expected = httpx.post(f"{server.url}/api/summarize", json={"text": DOCUMENT, "words": 3}, timeout=30).json()
    browser.get(server.url + "/")
    wait = WebDriverWait(browser, 30)
    # /health has filled in the model's default length once the model line is written.
    wait.until(lambda driver: driver.find_element(By.ID, "model").text.startswith("Model:"))
    browser.find_element(By.ID, "text").send_keys(DOCUMENT)
    Select(browser.find_element(By.ID, "mode")).select_by_value("words")
    length = browser.find_element(By.ID, "length")
    length.clear()
    length.send_keys("3")
    browser.find_element(By.ID, "summarize").click()
    wait.until(expected_conditions.visibility_of_element_located((By.ID, "result")))

    assert browser.find_element(By.ID, "summary").text == expected["summary"]
    kept = browser.find_elements(By.CSS_SELECTOR, "#document mark.kept")
    assert len(kept) == len(expected["kept"]) == 3
    assert [mark.text for mark in kept] == [expected["document_words"][i] for i in expected["kept"]]
    assert browser.find_element(By.ID, "reconstruction").text == expected["reconstruction"]
    terms = [element.get_attribute("data-term") for element in browser.find_elements(By.CSS_SELECTOR, "#scores .score")]
    assert terms == list(expected["scores"])
    assert browser.find_element(By.ID, "error").is_displayed() is False


def test_page_shows_a_refusal_as_one_line(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server.url + "/")
    # Blank text, past the form's own `required` check, so that the server's refusal is what shows.
    browser.execute_script("const text = document.getElementById('text'); text.required = false; text.value = '   ';")
    browser.find_element(By.ID, "summarize").click()
    error = WebDriverWait(browser, 30).until(lambda driver: driver.find_element(By.ID, "error")
                                             if driver.find_element(By.ID, "error").is_displayed() else False)
    assert "empty" in error.text and browser.find_element(By.ID, "result").is_displayed() is False
