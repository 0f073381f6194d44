"""Debian's headless Chromium through Selenium, for the page tests: its profile and temporary
files in one folder of its own, removed by `stop`, so the tests leave nothing behind."""
import os
import shutil
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start(*flags):
    """A driver, and the folder to pass to `stop`. `flags` are added to the usual ones."""
    scratch = tempfile.mkdtemp(prefix="tamwatch-browser-")
    os.environ["TMPDIR"] = scratch
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                 "--user-data-dir=" + os.path.join(scratch, "profile")) + flags:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options), scratch


def stop(driver, scratch):
    driver.quit()
    shutil.rmtree(scratch, ignore_errors=True)
