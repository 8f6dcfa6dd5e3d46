"""The page in a real browser: Debian's headless chromium (through chromedriver and selenium) loads it, submits an
article and finds the summary and the highlighted kept words in the DOM."""

import shutil
import tempfile

import pytest

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("the browser test needs chromium and chromedriver (apt-get install chromium chromium-driver); "
                ".ci/run installs them", allow_module_level=True)
pytest.importorskip("selenium", reason="the browser test drives chromium with selenium: pip install -e '.[dev]'")
pytest.importorskip("fastapi", reason="seqae serve needs FastAPI: pip install -e '.[dev]'")
httpx = pytest.importorskip("httpx", reason="the test compares with the API through httpx: pip install -e '.[dev]'")

from live_server import LiveServer  # noqa: E402

from seqae.serve import create_app  # noqa: E402

DOCUMENT = "police said on tuesday the army rebels set fire to the city market as oil prices rise after the strike"
# On a closed network chromium waits on its background services unless they are all switched off.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=420,900")


def chromium(profile: str):
    """A headless chromium with a fresh profile, driven through chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture(scope="module")
def server(tiny_run):
    with LiveServer(create_app(tiny_run)) as live:
        yield live


@pytest.fixture
def browser():
    with tempfile.TemporaryDirectory(prefix="seqae-chromium-") as profile:
        driver = chromium(profile)
        driver.set_page_load_timeout(30)
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
