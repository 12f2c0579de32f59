//! Reading the blobs of a store, one at a time: files, a mongodump file,
//! a SQLite table, a PostgreSQL table.
//!
//! This module owns getting bytes out of stores and saying clearly what
//! could not be read. It does not judge the bytes (see `blob`). Memory stays
//! bounded by the largest blob: every source streams, and a blob longer
//! than the caller's limit is reported by its size without being read (its
//! size comes from the file system or the database, never from a header
//! we would have to trust).

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Where the blobs are.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file holding one blob, or a directory of such files (recursively:
    /// each directory's files in name order, then its subdirectories).
    Files(PathBuf),
    /// A file of concatenated BSON documents, as `mongodump` writes them.
    /// With `column`, each document's binary field of that name is the blob;
    /// without, each document is itself the blob.
    Mongodump {
        path: PathBuf,
        column: Option<String>,
        key: Option<String>,
    },
    /// A column of a SQLite table.
    Sqlite {
        path: PathBuf,
        table: String,
        column: String,
        key: Option<String>,
    },
    /// A `bytea` column of a PostgreSQL table.
    Postgres {
        url: String,
        table: String,
        column: String,
        key: Option<String>,
    },
}

/// One stored value, or why it holds no blob to examine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The row's key, the file's path, or the record's position.
    pub id: String,
    pub content: Content,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Blob(Vec<u8>),
    /// SQL NULL, or a mongodump record without the field.
    Null,
    /// A value of another type (text, integer, ...), named.
    NotABlob(String),
    /// Longer than the limit; not read.
    TooLarge(u64),
    /// This one value could not be read; the rest can.
    Unreadable(String),
}

/// A failure that ends the scan early. Everything read before it has
/// already been handed on.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {error}")]
    Open { path: PathBuf, error: std::io::Error },
    #[error("{path}: truncated: the record at byte {offset} declares {declared} bytes but only {left} remain")]
    Truncated {
        path: PathBuf,
        offset: u64,
        declared: u64,
        left: u64,
    },
    #[error("{path}: the record at byte {offset} declares {declared} bytes, less than the 5 of an empty document; the rest of the file cannot be framed")]
    BadFrame { path: PathBuf, offset: u64, declared: i64 },
    #[error("{path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    #[error("SQLite {path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error("PostgreSQL: {message}")]
    Postgres { message: String },
    #[error("PostgreSQL: {table}.{column} is of type {found}; scan reads bytea columns")]
    NotBytea {
        table: String,
        column: String,
        found: String,
    },
    #[error("PostgreSQL: the connection was lost after {rows} rows: {message}")]
    Lost { rows: u64, message: String },
    #[error("this prefixproof was built without the `stores` feature: it cannot read {0}")]
    NotBuiltIn(&'static str),
}

/// How far through a source the scan is, for progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    Bytes(u64),
    Rows(u64),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Files(p) => write!(f, "{}", p.display()),
            Source::Mongodump { path, column, .. } => {
                write!(f, "mongodump {}", path.display())?;
                column.iter().try_for_each(|c| write!(f, ", field {c}"))
            }
            Source::Sqlite {
                path, table, column, ..
            } => {
                write!(f, "SQLite {}, table {table}, column {column}", path.display())
            }
            Source::Postgres { url, table, column, .. } => {
                write!(f, "PostgreSQL {}, table {table}, column {column}", redact(url))
            }
        }
    }
}

/// A connection URL without its password, for messages and reports.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Source {
    /// How much there is to read, if it is cheap to know.
    pub fn total(&self) -> Option<Total> {
        match self {
            Source::Files(p) if p.is_dir() => None,
            Source::Files(p) | Source::Mongodump { path: p, .. } => {
                std::fs::metadata(p).ok().map(|m| Total::Bytes(m.len()))
            }
            #[cfg(feature = "stores")]
            Source::Sqlite { path, table, .. } => {
                let conn = databases::open_sqlite(path).ok()?;
                let n: i64 = conn
                    .query_row(
                        &format!("SELECT count(*) FROM {}", databases::quote_ident(table)),
                        [],
                        |r| r.get(0),
                    )
                    .ok()?;
                Some(Total::Rows(n as u64))
            }
            #[cfg(not(feature = "stores"))]
            Source::Sqlite { .. } => None,
            Source::Postgres { .. } => None,
        }
    }

    /// Hand every record to `out`, in order, reading no blob longer than
    /// `max_blob` bytes. An error ends the reading; the records before it
    /// have been handed on.
    pub fn read(&self, max_blob: u64, out: &mut dyn FnMut(Record)) -> Result<(), SourceError> {
        match self {
            Source::Files(path) => read_files(path, max_blob, out),
            Source::Mongodump { path, column, key } => {
                read_mongodump(path, column.as_deref(), key.as_deref(), max_blob, out)
            }
            #[cfg(feature = "stores")]
            Source::Sqlite {
                path,
                table,
                column,
                key,
            } => databases::read_sqlite(path, table, column, key.as_deref(), max_blob, out),
            #[cfg(feature = "stores")]
            Source::Postgres {
                url,
                table,
                column,
                key,
            } => databases::read_postgres(url, table, column, key.as_deref(), max_blob, out),
            #[cfg(not(feature = "stores"))]
            Source::Sqlite { .. } => Err(SourceError::NotBuiltIn("SQLite")),
            #[cfg(not(feature = "stores"))]
            Source::Postgres { .. } => Err(SourceError::NotBuiltIn("PostgreSQL")),
        }
    }
}

fn read_files(path: &Path, max_blob: u64, out: &mut dyn FnMut(Record)) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|error| SourceError::Open {
        path: path.to_path_buf(),
        error,
    })?;
    if !meta.is_dir() {
        out(read_one_file(path, meta.len(), max_blob));
        return Ok(());
    }
    // Depth first: each directory's files in name order, then its
    // subdirectories in name order; links to directories are not followed
    // (a link cycle would never end).
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir).and_then(|d| d.collect::<Result<Vec<_>, _>>()) {
            Ok(entries) => entries,
            Err(e) => {
                out(Record {
                    id: dir.display().to_string(),
                    content: Content::Unreadable(format!("cannot list the directory: {e}")),
                });
                continue;
            }
        };
        let mut entries: Vec<PathBuf> = entries.into_iter().map(|e| e.path()).collect();
        entries.sort();
        let mut subdirs = Vec::new();
        for p in entries {
            let id = p.display().to_string();
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => subdirs.push(p),
                Ok(m) if m.is_file() => out(read_one_file(&p, m.len(), max_blob)),
                Ok(m) if m.file_type().is_symlink() => match std::fs::metadata(&p) {
                    Ok(t) if t.is_file() => out(read_one_file(&p, t.len(), max_blob)),
                    Ok(_) => {}
                    Err(e) => out(Record {
                        id,
                        content: Content::Unreadable(format!("broken link: {e}")),
                    }),
                },
                Ok(_) => {}
                Err(e) => out(Record {
                    id,
                    content: Content::Unreadable(e.to_string()),
                }),
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn read_one_file(path: &Path, len: u64, max_blob: u64) -> Record {
    let id = path.display().to_string();
    if len > max_blob {
        return Record {
            id,
            content: Content::TooLarge(len),
        };
    }
    // Read at most one byte past the limit: a file that grew since its
    // size was taken still cannot make us hold more than the limit.
    let mut blob = Vec::with_capacity(len as usize);
    let content = match File::open(path).and_then(|f| f.take(max_blob + 1).read_to_end(&mut blob)) {
        Ok(n) if n as u64 > max_blob => Content::TooLarge(n as u64),
        Ok(_) => Content::Blob(blob),
        Err(e) => Content::Unreadable(e.to_string()),
    };
    Record { id, content }
}

fn read_mongodump(
    path: &Path,
    column: Option<&str>,
    key: Option<&str>,
    max_blob: u64,
    out: &mut dyn FnMut(Record),
) -> Result<(), SourceError> {
    let open_error = |error| SourceError::Open {
        path: path.to_path_buf(),
        error,
    };
    let file = File::open(path).map_err(open_error)?;
    let size = file.metadata().map_err(open_error)?.len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let read_error = |error| SourceError::Read {
        path: path.to_path_buf(),
        error,
    };
    let mut offset = 0u64;
    let mut number = 0u64;
    while offset < size {
        number += 1;
        let left = size - offset;
        let mut head = [0u8; 4];
        if left < 4 {
            return Err(SourceError::Truncated {
                path: path.to_path_buf(),
                offset,
                declared: 4,
                left,
            });
        }
        reader.read_exact(&mut head).map_err(read_error)?;
        let declared = i32::from_le_bytes(head) as i64;
        if declared < 5 {
            return Err(SourceError::BadFrame {
                path: path.to_path_buf(),
                offset,
                declared,
            });
        }
        let declared = declared as u64;
        if declared > left {
            return Err(SourceError::Truncated {
                path: path.to_path_buf(),
                offset,
                declared,
                left,
            });
        }
        let position = format!("record {number} (byte {offset})");
        if declared > max_blob {
            reader.seek_relative(declared as i64 - 4).map_err(read_error)?;
            offset += declared;
            out(Record {
                id: position,
                content: Content::TooLarge(declared),
            });
            continue;
        }
        let mut record = vec![0u8; declared as usize];
        record[..4].copy_from_slice(&head);
        reader.read_exact(&mut record[4..]).map_err(read_error)?;
        offset += declared;
        out(match column {
            None => Record {
                id: key
                    .map_or(Some(position.clone()), |k| field_id(&record, k))
                    .unwrap_or(position),
                content: Content::Blob(record),
            },
            Some(column) => field_record(&record, column, key.unwrap_or("_id"), position),
        });
    }
    Ok(())
}

/// The id a record's field gives, if the record parses and has it.
fn field_id(record: &[u8], key: &str) -> Option<String> {
    let doc = bson::RawDocument::from_bytes(record).ok()?;
    let value = doc.get(key).ok()??;
    Some(show_bson_id(value))
}

fn show_bson_id(value: bson::RawBsonRef<'_>) -> String {
    match value {
        bson::RawBsonRef::String(s) => s.to_string(),
        bson::RawBsonRef::ObjectId(o) => o.to_hex(),
        bson::RawBsonRef::Int32(i) => i.to_string(),
        bson::RawBsonRef::Int64(i) => i.to_string(),
        other => match bson::Bson::try_from(other) {
            Ok(b) => b.to_string(),
            Err(_) => format!("{:?}", other.element_type()),
        },
    }
}

/// A mongodump record whose field `column` holds the blob.
fn field_record(record: &[u8], column: &str, key: &str, position: String) -> Record {
    let Ok(doc) = bson::RawDocument::from_bytes(record) else {
        return Record {
            id: position,
            content: Content::Unreadable("the record is not a valid BSON document".into()),
        };
    };
    let id = doc.get(key).ok().flatten().map(show_bson_id).unwrap_or(position);
    let content = match doc.get(column) {
        Ok(None) | Ok(Some(bson::RawBsonRef::Null)) => Content::Null,
        Ok(Some(bson::RawBsonRef::Binary(b))) => Content::Blob(b.bytes.to_vec()),
        Ok(Some(other)) => Content::NotABlob(format!("{:?}", other.element_type())),
        Err(e) => Content::Unreadable(format!("field {column}: {e}")),
    };
    Record { id, content }
}

/// The database sources, behind the `stores` feature.
#[cfg(feature = "stores")]
mod databases {
    use std::path::Path;

    use super::{redact, Content, Record, SourceError};

    /// `name` as SQL identifiers: each dot-separated part in double quotes.
    pub(super) fn quote_ident(name: &str) -> String {
        name.split('.')
            .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(".")
    }

    pub(super) fn open_sqlite(path: &Path) -> Result<rusqlite::Connection, SourceError> {
        let error = |message: String| SourceError::Sqlite {
            path: path.to_path_buf(),
            message,
        };
        if !path.is_file() {
            return Err(error("no such file".into()));
        }
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| error(e.to_string()))?;
        // By default SQLite reads a double-quoted name that is no column as a
        // string literal: a misspelt --column would scan a text constant.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)
            .map_err(|e| error(e.to_string()))?;
        Ok(conn)
    }

    pub(super) fn read_sqlite(
        path: &Path,
        table: &str,
        column: &str,
        key: Option<&str>,
        max_blob: u64,
        out: &mut dyn FnMut(Record),
    ) -> Result<(), SourceError> {
        let error = |e: rusqlite::Error| SourceError::Sqlite {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let conn = open_sqlite(path)?;
        let c = quote_ident(column);
        // length() of a blob reads only its size: a blob over the limit never
        // leaves SQLite.
        let sql = format!(
            "SELECT {key}, typeof({c}), length({c}), CASE WHEN typeof({c}) = 'blob' AND length({c}) <= ?1 THEN {c} END FROM {table}",
            key = key.map_or("NULL".to_string(), quote_ident),
            table = quote_ident(table),
        );
        let mut stmt = conn.prepare(&sql).map_err(error)?;
        let mut rows = stmt.query([max_blob.min(i64::MAX as u64) as i64]).map_err(error)?;
        let mut number = 0u64;
        while let Some(row) = rows.next().map_err(error)? {
            number += 1;
            let id = match row.get_ref(0).map_err(error)? {
                rusqlite::types::ValueRef::Null if key.is_none() => format!("row {number}"),
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Real(f) => f.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => crate::hex::hex(b),
            };
            let kind: String = row.get(1).map_err(error)?;
            let len: Option<i64> = row.get(2).map_err(error)?;
            let content = match (kind.as_str(), row.get_ref(3).map_err(error)?) {
                ("null", _) => Content::Null,
                ("blob", rusqlite::types::ValueRef::Blob(b)) => Content::Blob(b.to_vec()),
                ("blob", _) => Content::TooLarge(len.unwrap_or(0) as u64),
                (other, _) => Content::NotABlob(other.to_string()),
            };
            out(Record { id, content });
        }
        Ok(())
    }

    pub(super) fn read_postgres(
        url: &str,
        table: &str,
        column: &str,
        key: Option<&str>,
        max_blob: u64,
        out: &mut dyn FnMut(Record),
    ) -> Result<(), SourceError> {
        use postgres::fallible_iterator::FallibleIterator as _;
        let mut number = 0u64;
        // Once connected, a closed connection or a FATAL error from the server
        // (which then closes it) is a lost connection; anything else is the
        // server's answer to the query (no such table, no permission, ...).
        let error = |e: postgres::Error, rows: u64| {
            let fatal = e
                .as_db_error()
                .is_some_and(|db| matches!(db.severity(), "FATAL" | "PANIC"));
            let message = postgres_message(&e);
            if e.is_closed() || fatal {
                SourceError::Lost { rows, message }
            } else {
                SourceError::Postgres { message }
            }
        };
        let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| SourceError::Postgres {
            message: format!("connecting to {}: {}", redact(url), postgres_message(&e)),
        })?;
        let c = quote_ident(column);
        let t = quote_ident(table);
        let probe = client
            .prepare(&format!("SELECT {c} FROM {t} LIMIT 0"))
            .map_err(|e| error(e, 0))?;
        let found = probe.columns()[0].type_();
        if *found != postgres::types::Type::BYTEA {
            return Err(SourceError::NotBytea {
                table: table.into(),
                column: column.into(),
                found: found.name().into(),
            });
        }
        // The rows stream: the client reads the next one from the socket only
        // when this loop asks, so memory holds about one row.
        let sql = format!(
            "SELECT {key}, octet_length({c}), CASE WHEN octet_length({c}) <= $1::int8 THEN {c} END FROM {t}",
            key = key.map_or("NULL::text".to_string(), |k| format!("{}::text", quote_ident(k))),
        );
        let mut rows = client
            .query_raw(&sql, [max_blob.min(i64::MAX as u64) as i64])
            .map_err(|e| error(e, 0))?;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => return Ok(()),
                Err(e) => return Err(error(e, number)),
            };
            let read_so_far = number;
            let decode = |e| error(e, read_so_far);
            number += 1;
            let id: Option<String> = row.try_get(0).map_err(decode)?;
            let id = match (id, key) {
                (Some(id), _) => id,
                (None, None) => format!("row {number}"),
                (None, Some(_)) => "NULL".into(),
            };
            let len: Option<i32> = row.try_get(1).map_err(decode)?;
            let blob: Option<Vec<u8>> = row.try_get(2).map_err(decode)?;
            let content = match (len, blob) {
                (None, _) => Content::Null,
                (Some(_), Some(b)) => Content::Blob(b),
                (Some(n), None) => Content::TooLarge(n as u64),
            };
            out(Record { id, content });
        }
    }

    /// A PostgreSQL error in words: the server's own message when it sent one
    /// (the crate's display of it is only "db error"), else the error and its
    /// cause.
    fn postgres_message(e: &postgres::Error) -> String {
        if let Some(db) = e.as_db_error() {
            return format!("{}: {}", db.severity(), db.message());
        }
        match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("host=h user=u"), "host=h user=u");
    }

    #[cfg(feature = "stores")]
    #[test]
    fn identifiers_are_quoted() {
        use super::databases::quote_ident;
        assert_eq!(quote_ident("blobs"), "\"blobs\"");
        assert_eq!(quote_ident("public.blobs"), "\"public\".\"blobs\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
