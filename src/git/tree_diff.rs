//! The paths one tree changed against another, for the changelog's path
//! rules. libgit2's `diff_tree_to_tree` takes a snapshot of every
//! configuration file (a `stat` of each) on each call, which cost more than
//! the comparison itself over the thousands of commits of an Unreleased
//! section; this compares the trees' entries directly, descending only into
//! subtrees whose ids differ. Names are kept as git stores them (a `\` in
//! a file name is not a folder separator).

use std::collections::{BTreeSet, HashMap};

use git2::{ObjectType, Oid, Repository, Tree};

/// Every path (from the top, `/`-separated) that is added, removed or
/// changed (content or mode) between `old` (none: the empty tree) and
/// `new`: the paths of the old and the new side of libgit2's deltas, with
/// a type change (a file that became a folder) as a removal and an
/// addition. Sorted.
pub fn changed_paths(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
) -> Result<Vec<String>, git2::Error> {
    let mut paths = BTreeSet::new();
    compare(repo, old, Some(new), "", &mut paths)?;
    Ok(paths.into_iter().collect())
}

/// One side of a tree entry: its id, mode and whether it is a folder.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Side {
    id: Oid,
    mode: i32,
    folder: bool,
}

/// A tree's entries by name, as bytes (two names that are not UTF-8 must
/// not meet in one lossy spelling), with the mode as stored (libgit2's diff
/// compares `100664` and `100644` as different).
fn entries(tree: Option<&Tree<'_>>) -> HashMap<Vec<u8>, Side> {
    let Some(tree) = tree else {
        return HashMap::new();
    };
    tree.iter()
        .map(|entry| {
            let side = Side {
                id: entry.id(),
                mode: entry.filemode_raw(),
                folder: entry.kind() == Some(ObjectType::Tree),
            };
            (entry.name_bytes().to_vec(), side)
        })
        .collect()
}

fn compare(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
    prefix: &str,
    paths: &mut BTreeSet<String>,
) -> Result<(), git2::Error> {
    let old = entries(old);
    let new = entries(new);
    let names: BTreeSet<&Vec<u8>> = old.keys().chain(new.keys()).collect();
    for name in names {
        let (before, after) = (old.get(name).copied(), new.get(name).copied());
        if before == after {
            continue;
        }
        let path = format!("{prefix}{}", String::from_utf8_lossy(name));
        let folder = |side: Option<Side>| side.filter(|s| s.folder);
        let (old_folder, new_folder) = (folder(before), folder(after));
        if old_folder.is_some() || new_folder.is_some() {
            let tree = |side: Option<Side>| side.map(|s| repo.find_tree(s.id)).transpose();
            let (old_tree, new_tree) = (tree(old_folder)?, tree(new_folder)?);
            let inner = format!("{path}/");
            compare(repo, old_tree.as_ref(), new_tree.as_ref(), &inner, paths)?;
        }
        // A file on either side that is not a folder is itself a change.
        if before.is_some_and(|s| !s.folder) || after.is_some_and(|s| !s.folder) {
            paths.insert(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (path, content, executable) as a tree.
    fn tree<'r>(repo: &'r Repository, files: &[(&str, &str, bool)]) -> Tree<'r> {
        let mut index = git2::Index::new().unwrap();
        for (path, content, executable) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            let mut entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if *executable { 0o100755 } else { 0o100644 },
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            entry.flags = (path.len() as u16) & 0xfff;
            index.add(&entry).unwrap();
        }
        let id = index.write_tree_to(repo).unwrap();
        repo.find_tree(id).unwrap()
    }

    fn libgit2_paths(repo: &Repository, old: Option<&Tree<'_>>, new: &Tree<'_>) -> Vec<String> {
        let diff = repo.diff_tree_to_tree(old, Some(new), None).unwrap();
        let paths: BTreeSet<String> = diff
            .deltas()
            .flat_map(|d| [d.old_file().path(), d.new_file().path()])
            .flatten()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        paths.into_iter().collect()
    }

    #[test]
    fn the_same_paths_as_libgit2_diff() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let old = tree(
            &repo,
            &[
                ("README.md", "a", false),
                ("src/main.rs", "fn main", false),
                ("src/lib/a.rs", "a", false),
                ("src/lib/b.rs", "b", false),
                ("gone/deep/x.txt", "x", false),
                ("tool", "script", false),
                ("same/kept.txt", "k", false),
                ("ledger/journal.toml", "j", false),
            ],
        );
        let new = tree(
            &repo,
            &[
                ("README.md", "a", false),
                ("src/main.rs", "fn main() {}", false),
                ("src/lib/a.rs", "a", false),
                ("src/lib/c.rs", "c", false),
                ("tool/run.sh", "script", true),
                ("same/kept.txt", "k", true),
                ("ledger/journal.toml", "j2", false),
                ("ledger.toml", "n", false),
            ],
        );
        let ours = changed_paths(&repo, Some(&old), &new).unwrap();
        assert_eq!(ours, libgit2_paths(&repo, Some(&old), &new));
        assert!(ours.contains(&"same/kept.txt".to_string()), "a mode change");
        assert!(ours.contains(&"tool".to_string()), "a file become a folder");
        assert!(!ours.contains(&"README.md".to_string()));
        let root = changed_paths(&repo, None, &new).unwrap();
        assert_eq!(root, libgit2_paths(&repo, None, &new), "a root commit");
        assert_eq!(root.len(), 8);
        assert!(changed_paths(&repo, Some(&new), &new).unwrap().is_empty());
    }

    /// Writes a tree object from (mode, name, id) as given, sorted by the
    /// caller: libgit2's tree builder refuses a mode such as 100664, which
    /// older trees hold.
    fn raw_tree<'r>(repo: &'r Repository, entries: &[(&str, &[u8], Oid)]) -> Tree<'r> {
        let mut bytes = Vec::new();
        for (mode, name, id) in entries {
            bytes.extend_from_slice(format!("{mode} ").as_bytes());
            bytes.extend_from_slice(name);
            bytes.push(0);
            bytes.extend_from_slice(id.as_bytes());
        }
        let id = repo.odb().unwrap().write(ObjectType::Tree, &bytes).unwrap();
        repo.find_tree(id).unwrap()
    }

    #[test]
    fn odd_modes_links_submodules_and_names_as_libgit2_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = |text: &str| repo.blob(text.as_bytes()).unwrap();
        let commit = |n: u8| Oid::from_bytes(&[n; 20]).unwrap();
        let old = raw_tree(
            &repo,
            &[
                ("100664", b"a.txt", blob("a")),
                ("100644", b"b\\c", blob("b")),
                ("100644", b"bad\xfe", blob("x")),
                ("100644", b"bad\xff", blob("y")),
                ("120000", b"link", blob("target-1")),
                ("160000", b"sub", commit(1)),
            ],
        );
        let new = raw_tree(
            &repo,
            &[
                ("100644", b"a.txt", blob("a")),
                ("100644", b"b\\c", blob("b2")),
                ("100644", b"bad\xfe", blob("x2")),
                ("100644", b"bad\xff", blob("y")),
                ("120000", b"link", blob("target-2")),
                ("160000", b"sub", commit(2)),
            ],
        );
        let ours = changed_paths(&repo, Some(&old), &new).unwrap();
        assert_eq!(ours, libgit2_paths(&repo, Some(&old), &new));
        assert!(ours.contains(&"a.txt".to_string()), "100664 -> 100644");
        assert!(
            ours.contains(&"b\\c".to_string()),
            "a backslash is not a folder"
        );
        assert!(ours.contains(&"sub".to_string()) && ours.contains(&"link".to_string()));
        assert_eq!(
            ours.len(),
            5,
            "two names that are not UTF-8 stay two: {ours:?}"
        );
    }
}
