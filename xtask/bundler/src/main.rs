//! Bundles the release Cartable into a .deb and an .rpm with tauri-bundler, the library tauri-cli
//! bundles with, configured from the root `tauri.conf.json` (`bundle`, `bundle.linux.deb`,
//! `bundle.linux.rpm`): no tauri-cli, no download, no root-layout links.
//!
//! `xtask-bundler <root> <app binary> <version> <work dir> <out dir>`: copies the binary into
//! `<work dir>` (the bundler patches its copy with the package type), bundles there, then puts
//! each package in `<out dir>` under its distribution's usual name (`cartable_0.1.0_amd64.deb`,
//! `cartable-0.1.0-1.x86_64.rpm`) with `<package>.sha256` beside it (`sha256sum -c` reads it).
//! `cargo xtask package` runs it.

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
    process::ExitCode,
    str::FromStr,
};

use sha2::{Digest, Sha256};
use tauri_bundler::{
    AppCategory, BundleBinary, BundleSettings, DebianSettings, PackageSettings, PackageType,
    RpmSettings, SettingsBuilder,
};
use tauri_utils::config::Config;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, app, version, work, out] = args.as_slice() else {
        eprintln!("usage: xtask-bundler <root> <app binary> <version> <work dir> <out dir>");
        return ExitCode::from(2);
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
    match bundle(Path::new(root), Path::new(app), version, Path::new(work), Path::new(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask-bundler: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bundle(root: &Path, app: &Path, version: &str, work: &Path, out: &Path) -> Result {
    let config_path = root.join("tauri.conf.json");
    let text = fs::read_to_string(&config_path)
        .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
    let config: Config = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a valid Tauri 2 config: {e}", config_path.display()))?;
    let product = config.product_name.clone().ok_or("tauri.conf.json has no productName")?;
    let binary = config.main_binary_name.clone().ok_or("tauri.conf.json has no mainBinaryName")?;

    // The bundler reads the binary from its out directory and patches it there: give it a copy.
    if work.exists() {
        fs::remove_dir_all(work).map_err(|e| format!("cannot empty {}: {e}", work.display()))?;
    }
    fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    fs::copy(app, work.join(&binary))
        .map_err(|e| format!("cannot copy {}: {e} (build the release app first)", app.display()))?;

    let settings = SettingsBuilder::new()
        .project_out_directory(work)
        .package_types(vec![PackageType::Deb, PackageType::Rpm])
        .package_settings(PackageSettings {
            product_name: product.clone(),
            version: version.to_owned(),
            description: config.bundle.short_description.clone().unwrap_or_default(),
            homepage: config.bundle.homepage.clone(),
            authors: None,
            default_run: Some(binary.clone()),
        })
        .bundle_settings(bundle_settings(root, work, &config)?)
        .binaries(vec![BundleBinary::new(binary.clone(), true)])
        .build()
        .map_err(|e| format!("bundle settings: {e}"))?;
    let bundles =
        tauri_bundler::bundle_project(&settings).map_err(|e| format!("bundling failed: {e}"))?;

    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    remove_old_packages(out)?;
    for path in bundles.iter().flat_map(|b| &b.bundle_paths) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // `Cartable_0.1.0_amd64.deb` → `cartable_0.1.0_amd64.deb`: the package's name inside
        // (`Package: cartable`, `Name: cartable`) is the binary's.
        let name = name
            .strip_prefix(product.as_str())
            .map_or(name.clone(), |rest| format!("{binary}{rest}"));
        let target = out.join(&name);
        fs::copy(path, &target).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        let bytes =
            fs::read(&target).map_err(|e| format!("cannot read {}: {e}", target.display()))?;
        let digest: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        fs::write(out.join(format!("{name}.sha256")), format!("{digest}  {name}\n"))
            .map_err(|e| format!("cannot write the checksum of {name}: {e}"))?;
        println!("· {} ({:.1} MB), sha256 {digest}", target.display(), bytes.len() as f64 / 1e6);
    }
    Ok(())
}

/// `tauri.conf.json`'s `bundle` as tauri-bundler's settings (the Linux parts; paths from the root).
fn bundle_settings(root: &Path, work: &Path, config: &Config) -> Result<BundleSettings> {
    let bundle = &config.bundle;
    let at = |p: &PathBuf| root.join(p);
    let files = |map: &HashMap<PathBuf, PathBuf>| -> HashMap<PathBuf, PathBuf> {
        map.iter().map(|(inside, source)| (inside.clone(), at(source))).collect()
    };
    let category = bundle
        .category
        .as_deref()
        .map(|c| AppCategory::from_str(c).map_err(|e| format!("bundle.category {c:?}: {e:?}")))
        .transpose()?;
    let (deb, rpm) = (&bundle.linux.deb, &bundle.linux.rpm);
    Ok(BundleSettings {
        identifier: Some(config.identifier.clone()),
        publisher: bundle.publisher.clone(),
        homepage: bundle.homepage.clone(),
        icon: Some(linux_icons(root, work, &bundle.icon)?),
        copyright: bundle.copyright.clone(),
        license: bundle.license.clone(),
        license_file: bundle.license_file.as_ref().map(at),
        category,
        short_description: bundle.short_description.clone(),
        long_description: bundle.long_description.clone(),
        deb: DebianSettings {
            depends: deb.depends.clone(),
            recommends: deb.recommends.clone(),
            provides: deb.provides.clone(),
            conflicts: deb.conflicts.clone(),
            replaces: deb.replaces.clone(),
            files: files(&deb.files),
            desktop_template: deb.desktop_template.as_ref().map(at),
            section: deb.section.clone(),
            priority: deb.priority.clone(),
            changelog: deb.changelog.as_ref().map(at),
            pre_install_script: deb.pre_install_script.as_ref().map(at),
            post_install_script: deb.post_install_script.as_ref().map(at),
            pre_remove_script: deb.pre_remove_script.as_ref().map(at),
            post_remove_script: deb.post_remove_script.as_ref().map(at),
        },
        rpm: RpmSettings {
            depends: rpm.depends.clone(),
            recommends: rpm.recommends.clone(),
            provides: rpm.provides.clone(),
            conflicts: rpm.conflicts.clone(),
            obsoletes: rpm.obsoletes.clone(),
            release: rpm.release.clone(),
            epoch: rpm.epoch,
            files: files(&rpm.files),
            desktop_template: rpm.desktop_template.as_ref().map(at),
            pre_install_script: rpm.pre_install_script.as_ref().map(at),
            post_install_script: rpm.post_install_script.as_ref().map(at),
            pre_remove_script: rpm.pre_remove_script.as_ref().map(at),
            post_remove_script: rpm.post_remove_script.as_ref().map(at),
            compression: rpm.compression,
        },
        ..BundleSettings::default()
    })
}

/// The icons, with each `@2x` one copied under a plain name: the bundler would install a 256-pixel
/// `128x128@2x.png` in `hicolor/256x256@2/`, a folder no icon theme has, and as a plain
/// 256-pixel icon it lands in `hicolor/256x256/`.
fn linux_icons(root: &Path, work: &Path, icons: &[String]) -> Result<Vec<String>> {
    let dir = work.join("icons");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for icon in icons {
        let mut path = root.join(icon);
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(base) = stem.strip_suffix("@2x") {
            let ext =
                path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            let plain = dir.join(format!("{base}-2x.{ext}"));
            fs::copy(&path, &plain).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
            path = plain;
        }
        paths.push(path.to_string_lossy().into_owned());
    }
    Ok(paths)
}

/// Deletes the Linux packages and checksums of an earlier run (another version would linger);
/// the Windows zip (`cargo xtask windows`) stays.
fn remove_old_packages(out: &Path) -> Result {
    let entries = fs::read_dir(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.to_string_lossy();
        let linux_package =
            [".deb", ".rpm", ".deb.sha256", ".rpm.sha256"].iter().any(|ext| name.ends_with(ext));
        if path.is_file() && linux_package {
            fs::remove_file(&path).map_err(|e| format!("cannot delete {name}: {e}"))?;
        }
    }
    Ok(())
}

/// tauri-bundler reports its steps and warnings through `log`: print them.
struct Logger;

static LOGGER: Logger = Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            println!("  bundler {}: {}", record.level().as_str().to_lowercase(), record.args());
        }
    }

    fn flush(&self) {}
}
