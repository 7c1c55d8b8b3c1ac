//! Where setting values come from, in order: command-line overrides, the process
//! environment, then `.env`. Also the `NAME_FILE` secrets and the typed parsers that turn a
//! bad value into a message naming its variable.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

/// One layer of `NAME → value`.
pub type Layer = HashMap<String, String>;

/// The layers, highest priority first. An empty value counts as unset, so `REDIS_URL=` in
/// `.env` means "no Redis" and `API_PORT=` means the default.
#[derive(Debug, Default)]
pub struct Sources {
    layers: Vec<(&'static str, Layer)>,
    /// Every problem found, reported together so one restart fixes them all.
    pub problems: Vec<String>,
}

impl Sources {
    /// Layers in priority order, each with a name for messages (`flag`, `env`, `.env`).
    pub fn new(layers: Vec<(&'static str, Layer)>) -> Sources {
        Sources {
            layers,
            problems: Vec::new(),
        }
    }

    /// Reads `path` as a dotenv file (`KEY=value`, `#` comments, quotes). A missing file is
    /// an empty layer; a malformed one is a problem.
    pub fn read_dotenv(path: &Path, problems: &mut Vec<String>) -> Layer {
        let mut layer = Layer::new();
        let iter = match dotenvy::from_path_iter(path) {
            Ok(iter) => iter,
            Err(e) if e.not_found() => return layer,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                return layer;
            }
        };
        for item in iter {
            match item {
                Ok((k, v)) => {
                    layer.insert(k, v);
                }
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        layer
    }

    /// The first non-empty value of `name`, trimmed.
    pub fn get(&self, name: &str) -> Option<String> {
        self.layers.iter().find_map(|(_, l)| {
            l.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    }

    /// A secret that may instead come from the file named by `NAME_FILE`. Per layer, `NAME`
    /// and `NAME_FILE` may not both be set; the first layer setting either wins (so a
    /// `SECRET_KEY_FILE` in the environment beats a `SECRET_KEY` in `.env`). The file's
    /// trailing newline is dropped.
    pub fn secret(&mut self, name: &str) -> Option<String> {
        let file_var = format!("{name}_FILE");
        let nonempty = |l: &Layer, k: &str| {
            l.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut found = None;
        for (layer_name, l) in &self.layers {
            match (nonempty(l, name), nonempty(l, &file_var)) {
                (Some(_), Some(_)) => {
                    found = Some(Err(format!(
                        "{name} and {file_var} are both set ({layer_name}); set one of them"
                    )));
                }
                (Some(v), None) => found = Some(Ok(v)),
                (None, Some(path)) => {
                    found = Some(match std::fs::read_to_string(&path) {
                        Ok(s) => Ok(s.trim_end_matches(['\n', '\r']).to_owned()),
                        Err(e) => Err(format!("{file_var}: cannot read {path}: {e}")),
                    });
                }
                (None, None) => continue,
            }
            break;
        }
        match found {
            Some(Ok(v)) if !v.is_empty() => Some(v),
            Some(Ok(_)) => None,
            Some(Err(problem)) => {
                self.problems.push(problem);
                None
            }
            None => None,
        }
    }

    /// `name` parsed as `T`, `default` when unset; a problem (naming `name` and what it
    /// expects) when it does not parse.
    pub fn parse<T: FromStr>(&mut self, name: &str, default: T, expected: &str) -> T {
        match self.get(name) {
            None => default,
            Some(v) => match v.parse() {
                Ok(t) => t,
                Err(_) => {
                    self.problems
                        .push(format!("{name}: `{v}` is not {expected}"));
                    default
                }
            },
        }
    }

    /// A whole number of at least `min`.
    pub fn at_least<T>(&mut self, name: &str, default: T, min: T) -> T
    where
        T: FromStr + PartialOrd + Copy + std::fmt::Display,
    {
        let v = self.parse(name, default, &format!("a whole number ≥ {min}"));
        if v < min {
            self.problems
                .push(format!("{name}: {v} is below the minimum of {min}"));
            return default;
        }
        v
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    pub fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.get(name).map(|v| v.to_ascii_lowercase()) {
            None => default,
            Some(v) => match v.as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => {
                    self.problems
                        .push(format!("{name}: `{v}` is not true or false"));
                    default
                }
            },
        }
    }

    /// A string that must start with one of `schemes` (`None` when unset).
    pub fn url(&mut self, name: &str, value: Option<String>, schemes: &[&str]) -> Option<String> {
        let v = value?;
        if schemes.iter().any(|s| v.starts_with(s)) {
            Some(v)
        } else {
            // The value may hold a password: name the variable, not the value.
            self.problems.push(format!(
                "{name}: must start with {}",
                schemes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
            None
        }
    }
}
