//! The installation's identity, kept with the keys (not in the database): a random
//! install id, generated once, and a generation counted up each time this installation
//! starts a fresh database. Idempotency keys carry both and provisional numbers carry
//! the generation (`<terminal>-<generation>-<sequence>`), so a rebuilt database never
//! repeats a number or a key the platform has seen.

use crate::store::{DbIdentity, Store, StoreError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("安装标识文件 {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("安装标识文件 {0} 格式错误 / malformed install identity file")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn parse(text: &str) -> Option<DbIdentity> {
    let mut id = None;
    let mut generation = None;
    for line in text.lines() {
        match line.split_once('=') {
            Some(("install_id", v)) if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) => id = Some(v.into()),
            Some(("generation", v)) => generation = v.trim().parse().ok(),
            _ => {}
        }
    }
    Some(DbIdentity { install_id: id?, generation: generation? })
}

fn render(id: &DbIdentity) -> String {
    format!("install_id={}\ngeneration={}\n", id.install_id, id.generation)
}

/// Reads the identity file, creating it (generation 0: no database yet) if missing.
pub fn load_or_create(path: &Path) -> Result<DbIdentity, IdentityError> {
    let err = |source| IdentityError::File { path: path.display().to_string(), source };
    if !path.exists() {
        let id = DbIdentity { install_id: hex::encode(rand::random::<[u8; 16]>()), generation: 0 };
        crate::fsutil::write_private(path, render(&id).as_bytes()).map_err(err)?;
        return Ok(id);
    }
    let text = std::fs::read_to_string(path).map_err(err)?;
    parse(&text).ok_or_else(|| IdentityError::Malformed(path.display().to_string()))
}

/// Ties the database to the installation. A database that does not carry this
/// installation's id (a fresh or recreated one) gets the next generation, written to
/// the identity file (atomically) before the database uses it.
pub fn adopt(store: &Store, path: &Path) -> Result<DbIdentity, IdentityError> {
    let mut file = load_or_create(path)?;
    let db = store.identity();
    if db.install_id == file.install_id {
        if db.generation > file.generation {
            file.generation = db.generation;
            write(path, &file)?;
        }
        return Ok(db);
    }
    file.generation += 1;
    write(path, &file)?;
    store.set_identity(&file)?;
    tracing::info!(generation = file.generation, "database joined the installation");
    Ok(file)
}

fn write(path: &Path, id: &DbIdentity) -> Result<(), IdentityError> {
    crate::fsutil::replace_private(path, render(id).as_bytes())
        .map_err(|source| IdentityError::File { path: path.display().to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recreated_database_gets_the_next_generation() {
        let dir = tempfile::tempdir().unwrap();
        let idf = dir.path().join("install.id");
        let db = dir.path().join("kiosk.db");
        let s = Store::open(&db).unwrap();
        let a = adopt(&s, &idf).unwrap();
        assert_eq!(a.generation, 1);
        assert_eq!(s.enqueue_case("T1", |_| b"x".to_vec()).unwrap(), "T1-1-000001");
        drop(s);
        // Same database again: same identity.
        let s = Store::open(&db).unwrap();
        assert_eq!(adopt(&s, &idf).unwrap(), a);
        drop(s);
        for f in ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(f));
        }
        let s = Store::open(&db).unwrap();
        let b = adopt(&s, &idf).unwrap();
        assert_eq!((b.install_id.as_str(), b.generation), (a.install_id.as_str(), 2));
        assert_eq!(s.enqueue_case("T1", |_| b"x".to_vec()).unwrap(), "T1-2-000001");
        assert_eq!(load_or_create(&idf).unwrap(), b);
    }
}
