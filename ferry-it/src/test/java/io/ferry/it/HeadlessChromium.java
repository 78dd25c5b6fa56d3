package io.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium driven through its chromedriver: installed here with apt-get when absent (the machines this
 * project runs on are Debian and tests run as root), since browser builds cannot be downloaded at test time.
 */
final class HeadlessChromium {

    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path BROWSER = Path.of("/usr/bin/chromium");

    private HeadlessChromium() {
    }

    static ChromeDriver start() throws IOException, InterruptedException {
        if (!Files.isExecutable(DRIVER) || !Files.isExecutable(BROWSER)) {
            install();
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1300");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void install() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c",
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("cannot install chromium and chromium-driver with apt-get (run as root"
                    + " on Debian, or install them first)");
        }
    }
}
