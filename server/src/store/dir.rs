//! [`BlobStore`] on a local directory: one file per upload, named by its validated id.

use super::blob::{BlobError, BlobReader, BlobSink, BlobStore, BlobWriter};
use crate::ids::UploadId;
use async_trait::async_trait;
use bytes::Bytes;
use std::io::{ErrorKind, IoSlice, Seek, Write};
use std::path::{Path, PathBuf};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Chunks gathered before one write to disk: a body arrives in frames of a few KiB to a few
/// hundred KiB, and one blocking hand-off per frame costs more than the write itself.
const BATCH_BYTES: usize = 1 << 20;
/// Bytes written between requests to start writing them back, so the closing fdatasync of a
/// large upload waits for the last few MiB, not for all of it.
const WRITEBACK_BYTES: u64 = 8 << 20;

/// Blobs as files under `root/uploads/`.
pub struct DirBlobStore {
    uploads: PathBuf,
    names: NameSync,
    writers: Arc<Writers>,
}

impl DirBlobStore {
    /// Opens the directory, creating it on first start.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let uploads = root.join("uploads");
        std::fs::create_dir_all(&uploads)?;
        Ok(Self { names: NameSync::new(uploads.clone()), uploads, writers: Arc::default() })
    }

    // Ids are validated to `[A-Za-z0-9_-]`, so the join cannot leave the directory.
    fn path(&self, id: &UploadId) -> PathBuf {
        self.uploads.join(id.as_str())
    }

    fn not_found(id: &UploadId, e: std::io::Error) -> BlobError {
        if e.kind() == ErrorKind::NotFound {
            BlobError::NotFound(id.clone())
        } else {
            BlobError::Backend(e)
        }
    }
}

#[async_trait]
impl BlobStore for DirBlobStore {
    async fn create(&self, id: &UploadId) -> Result<(), BlobError> {
        let path = self.path(id);
        tokio::task::spawn_blocking(move || std::fs::OpenOptions::new().write(true).create_new(true).open(path))
            .await
            .map_err(std::io::Error::other)??;
        // The new name must survive a power loss too, or a recorded upload loses its file.
        self.names.sync().await?;
        Ok(())
    }

    async fn append(&self, id: &UploadId, offset: u64) -> Result<BlobWriter, BlobError> {
        let path = self.path(id);
        let turn = Writers::turn(&self.writers, id).await;
        let disk = tokio::task::spawn_blocking(move || Disk::open(&path, offset, turn))
            .await
            .map_err(std::io::Error::other)?
            .map_err(|e| Self::not_found(id, e))?;
        Ok(Box::new(DirSink { disk: Some(disk), writing: None, writeback: None, batch: Vec::new(), batch_len: 0 }))
    }

    async fn truncate(&self, id: &UploadId, len: u64) -> Result<(), BlobError> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.path(id))
            .await
            .map_err(|e| Self::not_found(id, e))?;
        file.set_len(len).await?;
        file.sync_all().await?;
        Ok(())
    }

    async fn read(&self, id: &UploadId) -> Result<BlobReader, BlobError> {
        let file = tokio::fs::File::open(self.path(id)).await.map_err(|e| Self::not_found(id, e))?;
        Ok(Box::pin(file))
    }

    async fn delete(&self, id: &UploadId) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<UploadId>, BlobError> {
        let mut out = Vec::new();
        let mut dir = tokio::fs::read_dir(&self.uploads).await?;
        while let Some(entry) = dir.next_entry().await? {
            if let Some(id) = entry.file_name().to_str().and_then(|n| UploadId::parse(n).ok()) {
                out.push(id);
            }
        }
        out.sort();
        Ok(out)
    }

    async fn ping(&self) -> Result<(), BlobError> {
        tokio::fs::metadata(&self.uploads).await?;
        Ok(())
    }
}

/// Makes new names in the uploads directory durable, one directory fsync for many creations.
///
/// Concurrent creations share a sync: a caller whose name was made before a sync started
/// needs no sync of its own. Tickets count creations; `synced` is the last ticket covered.
struct NameSync {
    dir: PathBuf,
    created: AtomicU64,
    synced: tokio::sync::Mutex<u64>,
}

impl NameSync {
    fn new(dir: PathBuf) -> Self {
        Self { dir, created: AtomicU64::new(0), synced: tokio::sync::Mutex::new(0) }
    }

    /// Returns once every name created before the call is on disk.
    async fn sync(&self) -> std::io::Result<()> {
        let ticket = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = self.synced.lock().await;
        if *synced >= ticket {
            return Ok(());
        }
        // Every ticket up to here belongs to a name already made, so this sync covers it.
        let covers = self.created.load(Ordering::SeqCst);
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all()).await.map_err(std::io::Error::other)??;
        *synced = covers;
        Ok(())
    }
}

/// One writer per blob at a time, counting a batch still being written after the request that
/// sent it went away: the next writer cuts the file back to the recorded offset only once the
/// earlier batch has landed, so it can never land after the cut.
#[derive(Default)]
struct Writers(std::sync::Mutex<HashMap<UploadId, Arc<tokio::sync::Mutex<()>>>>);

impl Writers {
    /// Waits until no other writer holds the blob, then holds it until the turn drops.
    async fn turn(writers: &Arc<Writers>, id: &UploadId) -> WriterTurn {
        let gate = writers.0.lock().unwrap_or_else(|p| p.into_inner()).entry(id.clone()).or_default().clone();
        let guard = gate.lock_owned().await;
        WriterTurn { writers: writers.clone(), id: id.clone(), guard: Some(guard) }
    }
}

/// Holds a blob's writer turn; see [`Writers`].
struct WriterTurn {
    writers: Arc<Writers>,
    id: UploadId,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.writers.0.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map's own reference left: nobody holds or waits for this blob, forget it.
        if map.get(&self.id).is_some_and(|gate| Arc::strong_count(gate) == 1) {
            map.remove(&self.id);
        }
    }
}

/// An upload's file open for appending, with what has not yet been handed to writeback.
struct Disk {
    /// Shared with a writeback request still running.
    file: Arc<std::fs::File>,
    _turn: WriterTurn,
    /// Where the next byte goes.
    end: u64,
    /// Start of the bytes written since the last writeback request.
    unsubmitted_from: u64,
}

impl Disk {
    /// Opens the file at `offset`, cutting away bytes past it (a write never acknowledged).
    fn open(path: &Path, offset: u64, turn: WriterTurn) -> std::io::Result<Disk> {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        if file.metadata()?.len() != offset {
            file.set_len(offset)?;
        }
        file.seek(std::io::SeekFrom::Start(offset))?;
        Ok(Disk { file: Arc::new(file), _turn: turn, end: offset, unsubmitted_from: offset })
    }

    /// Writes the chunks in order with as few system calls as the kernel allows.
    fn write_batch(&mut self, batch: &[Bytes]) -> std::io::Result<()> {
        let mut slices: Vec<IoSlice<'_>> = batch.iter().filter(|b| !b.is_empty()).map(|b| IoSlice::new(b)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match (&*self.file).write_vectored(rest) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.end += n as u64;
                    IoSlice::advance_slices(&mut rest, n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Asks the kernel to start writing `len` bytes from `from` to disk now, without waiting for them.
#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File, from: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: plain system call on an open file descriptor; no memory is passed. Only a hint:
    // the fdatasync in `finish` is what makes the bytes durable, so a failure changes only timing.
    unsafe { libc::sync_file_range(file.as_raw_fd(), from as libc::off64_t, len as libc::off64_t, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _from: u64, _len: u64) {}

/// [`BlobSink`] of a [`DirBlobStore`]: gathers chunks into batches of [`BATCH_BYTES`] and writes
/// each on a blocking thread while the next one arrives; at most one batch is being written.
struct DirSink {
    /// The file, when no batch is being written.
    disk: Option<Disk>,
    /// The batch being written; gives the file back.
    writing: Option<JoinHandle<(Disk, std::io::Result<()>)>>,
    /// The last writeback request, which may still be running.
    writeback: Option<JoinHandle<()>>,
    batch: Vec<Bytes>,
    batch_len: usize,
}

impl DirSink {
    /// Waits for the batch being written, if any, and returns the file.
    async fn idle_disk(&mut self) -> Result<Disk, BlobError> {
        if let Some(writing) = self.writing.take() {
            let (disk, done) = writing.await.map_err(std::io::Error::other)?;
            done?;
            return Ok(disk);
        }
        self.disk.take().ok_or_else(|| BlobError::Backend(std::io::Error::other("an earlier write to this blob failed")))
    }

    /// Starts writeback of every [`WRITEBACK_BYTES`] written, on a thread of its own: the request
    /// can wait for the disk's queue, and the next batch should not wait with it. While one
    /// request runs no other starts; the next one covers the bytes skipped.
    fn write_back(&mut self, disk: &mut Disk) {
        let due = disk.end - disk.unsubmitted_from >= WRITEBACK_BYTES;
        if !due || self.writeback.as_ref().is_some_and(|w| !w.is_finished()) {
            return;
        }
        let (file, from, len) = (disk.file.clone(), disk.unsubmitted_from, disk.end - disk.unsubmitted_from);
        disk.unsubmitted_from = disk.end;
        self.writeback = Some(tokio::task::spawn_blocking(move || start_writeback(&file, from, len)));
    }
}

#[async_trait]
impl BlobSink for DirSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), BlobError> {
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= BATCH_BYTES {
            let mut disk = self.idle_disk().await?;
            self.write_back(&mut disk);
            let batch = std::mem::take(&mut self.batch);
            self.batch_len = 0;
            self.writing = Some(tokio::task::spawn_blocking(move || {
                let done = disk.write_batch(&batch);
                (disk, done)
            }));
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<(), BlobError> {
        let mut disk = self.idle_disk().await?;
        let batch = std::mem::take(&mut self.batch);
        tokio::task::spawn_blocking(move || {
            disk.write_batch(&batch)?;
            disk.file.sync_data()
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8 ^ seed).collect()
    }

    async fn read_all(store: &DirBlobStore, id: &UploadId) -> Vec<u8> {
        let mut out = Vec::new();
        store.read(id).await.unwrap().read_to_end(&mut out).await.unwrap();
        out
    }

    fn store() -> (tempfile::TempDir, DirBlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = DirBlobStore::open(dir.path()).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn many_tiny_chunks_then_one_huge_chunk_are_stored_exactly_in_order() {
        let (_dir, store) = store();
        let id = UploadId::parse("tiny-and-huge").unwrap();
        store.create(&id).await.unwrap();
        let tiny = pattern(3 * BATCH_BYTES / 2 + 17, 0x5a);
        let huge = pattern(WRITEBACK_BYTES as usize + 3 * BATCH_BYTES + 1, 0x33);
        let mut sink = store.append(&id, 0).await.unwrap();
        // Chunks of 1..=13 bytes: well over a batch, so batches end mid-stream and mid-size.
        let mut at = 0;
        for n in (1..=13).cycle() {
            if at == tiny.len() {
                break;
            }
            let end = (at + n).min(tiny.len());
            sink.write(Bytes::copy_from_slice(&tiny[at..end])).await.unwrap();
            at = end;
        }
        sink.write(Bytes::new()).await.unwrap();
        sink.write(Bytes::from(huge.clone())).await.unwrap();
        sink.finish().await.unwrap();
        let stored = read_all(&store, &id).await;
        assert_eq!(stored.len(), tiny.len() + huge.len());
        assert!(stored[..tiny.len()] == tiny[..] && stored[tiny.len()..] == huge[..], "bytes differ");

        // Appending at an offset cuts away what lies past it and continues from there.
        let mut sink = store.append(&id, 10).await.unwrap();
        sink.write(Bytes::from_static(b"end")).await.unwrap();
        sink.finish().await.unwrap();
        let stored = read_all(&store, &id).await;
        assert_eq!(&stored[..10], &tiny[..10]);
        assert_eq!(&stored[10..], b"end");
    }

    #[tokio::test]
    async fn writeback_is_requested_while_the_bytes_go_down() {
        let (_dir, store) = store();
        let id = UploadId::parse("writeback").unwrap();
        store.create(&id).await.unwrap();
        let turn = Writers::turn(&store.writers, &id).await;
        let disk = Disk::open(&store.path(&id), 0, turn).unwrap();
        let mut sink = DirSink { disk: Some(disk), writing: None, writeback: None, batch: Vec::new(), batch_len: 0 };
        let total = 3 * WRITEBACK_BYTES as usize;
        for _ in 0..total / BATCH_BYTES {
            sink.write(Bytes::from(pattern(BATCH_BYTES, 9))).await.unwrap();
        }
        assert!(sink.writeback.is_some(), "a writeback request was started");
        let disk = sink.idle_disk().await.unwrap();
        assert_eq!(disk.end, total as u64);
        // Requested up to a batch boundary at least WRITEBACK_BYTES in, never past what is written.
        assert!(disk.unsubmitted_from >= WRITEBACK_BYTES && disk.unsubmitted_from < disk.end, "{}", disk.unsubmitted_from);
    }

    #[tokio::test]
    async fn an_abandoned_writer_lands_before_the_next_one_cuts_the_file() {
        let (_dir, store) = store();
        let id = UploadId::parse("abandoned").unwrap();
        store.create(&id).await.unwrap();
        for round in 0..5u8 {
            // Enough that a batch is still being written when the writer is dropped unfinished,
            // as when a request is cancelled mid-body.
            let mut sink = store.append(&id, 0).await.unwrap();
            sink.write(Bytes::from(pattern(3 * BATCH_BYTES, round))).await.unwrap();
            sink.write(Bytes::from(pattern(3 * BATCH_BYTES, round))).await.unwrap();
            drop(sink);
            let mut next = store.append(&id, 0).await.unwrap();
            next.write(Bytes::from_static(b"resumed")).await.unwrap();
            next.finish().await.unwrap();
            assert_eq!(read_all(&store, &id).await, b"resumed", "round {round}: a stale batch landed after the cut");
        }
        assert!(store.writers.0.lock().unwrap().is_empty(), "finished writers are forgotten");
    }

    #[tokio::test]
    async fn concurrent_creations_all_exist_once_the_last_directory_sync_returns() {
        let (_dir, store) = store();
        let store = Arc::new(store);
        let ids: Vec<UploadId> = (0..40).map(|i| UploadId::parse(&format!("c{i}")).unwrap()).collect();
        let tasks: Vec<_> = ids
            .iter()
            .cloned()
            .map(|id| {
                let store = store.clone();
                tokio::spawn(async move { store.create(&id).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let mut want = ids.clone();
        want.sort();
        assert_eq!(store.list().await.unwrap(), want);
        assert_eq!(store.names.created.load(Ordering::SeqCst), 40);
        assert_eq!(*store.names.synced.lock().await, 40, "the last sync covers every creation");
        // A fresh id is refused if it exists (creation never replaces bytes).
        assert!(store.create(&ids[0]).await.is_err());
    }
}
