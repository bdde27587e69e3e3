//! `split-wasm INPUT MAIN_OUT PKG_DIR`: cuts the browser bundle that cargo built
//! (linked with `--emit-relocs`) at its lazy routes, as `cargo leptos build --split`
//! does, so that `scripts/build.sh` needs no cargo-leptos.
//!
//! Writes the main module to `MAIN_OUT` (for wasm-bindgen), and into `PKG_DIR` one
//! `split_<route>.wasm` per lazy function, `chunk_<n>.wasm` for code several of them
//! share, the loader `__wasm_split.______________________.js` (the name Leptos expects
//! until the build gives it a hashed one) and `__wasm_split_manifest.json` (which
//! modules each lazy function needs: the server adds preload links from it).

use std::path::PathBuf;
use std::process::ExitCode;

/// The module the loader imports `initSync` from: the main module's JavaScript, which
/// the build renames and patches (with the loader's name) afterwards.
const MAIN_MODULE: &str = "./purser.js";
/// The loader's name as the main module imports it; Leptos' `HydrationScripts` knows
/// this placeholder, and the build replaces it with the hashed name.
const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, main_out, pkg] = args.as_slice() else {
        eprintln!("usage: split-wasm INPUT.wasm MAIN_OUT.wasm PKG_DIR");
        return ExitCode::from(2);
    };
    match split(input.into(), main_out.into(), pkg.into()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("split-wasm: {message}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: PathBuf, main_out: PathBuf, pkg: PathBuf) -> Result<(), String> {
    let wasm = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = &pkg;
    options.main_out_path = &main_out;
    options.main_module = MAIN_MODULE;
    options.link_name = LOADER;
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:#}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)
        .map_err(|e| format!("the manifest: {e}"))?;
    let manifest_path = pkg.join(MANIFEST);
    std::fs::write(&manifest_path, manifest)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    Ok(())
}
