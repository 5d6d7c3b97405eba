//! Revocation: by `jti`, by signing key (`kid`), by pinned policy hash and by token hash,
//! swappable at runtime.

use super::error::RevokedBy;
use crate::keys::VerifyingKey;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};

/// An immutable set of revocations. Build a new one and [`Revocations::replace`] it to
/// change what is revoked; validations already running keep the snapshot they started with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationList {
    jtis: HashSet<String>,
    kids: HashSet<String>,
    keys: HashSet<[u8; 32]>,
    policy_hashes: HashSet<String>,
    token_hashes: HashSet<String>,
}

impl RevocationList {
    /// Nothing revoked.
    pub fn new() -> RevocationList {
        RevocationList::default()
    }

    /// Revoke every token with this `jti`.
    pub fn revoke_jti(&mut self, jti: impl Into<String>) -> &mut Self {
        self.jtis.insert(jti.into());
        self
    }

    /// Revoke every token signed under this `kid` (key rotation or compromise): all of
    /// them fail at once.
    pub fn revoke_kid(&mut self, kid: impl Into<String>) -> &mut Self {
        self.kids.insert(kid.into());
        self
    }

    /// Revoke every token signed by this key, under whatever `kid` the key set files it
    /// (a key listed under two kids is revoked under both).
    pub fn revoke_key(&mut self, key: &VerifyingKey) -> &mut Self {
        self.keys.insert(key.to_bytes());
        self
    }

    /// Revoke every token that pins this policy hash (`policy_hash_b64u`, or
    /// `delegation_policy_hash_b64u` when it is the pin).
    pub fn revoke_policy_hash(&mut self, policy_hash_b64u: impl Into<String>) -> &mut Self {
        self.policy_hashes.insert(policy_hash_b64u.into());
        self
    }

    /// Revoke one token by its hash ([`super::token_hash`]: lowercase hex SHA-256 of the
    /// compact token, the reference's `token_hash`).
    pub fn revoke_token_hash(&mut self, token_hash_hex: impl Into<String>) -> &mut Self {
        self.token_hashes
            .insert(token_hash_hex.into().to_ascii_lowercase());
        self
    }

    /// Add one entry (the form shared stores exchange, [`super::Revocation`]).
    pub fn apply(&mut self, entry: &super::Revocation) -> &mut Self {
        use super::Revocation as R;
        match entry {
            R::Jti(v) => self.revoke_jti(v.as_str()),
            R::Kid(v) => self.revoke_kid(v.as_str()),
            R::Key(k) => {
                self.keys.insert(*k);
                self
            }
            R::PolicyHash(v) => self.revoke_policy_hash(v.as_str()),
            R::TokenHash(v) => self.revoke_token_hash(v.as_str()),
        }
    }

    /// Whether this exact entry is in the list.
    pub fn contains(&self, entry: &super::Revocation) -> bool {
        use super::Revocation as R;
        match entry {
            R::Jti(v) => self.jtis.contains(v),
            R::Kid(v) => self.kids.contains(v),
            R::Key(k) => self.keys.contains(k),
            R::PolicyHash(v) => self.policy_hashes.contains(v),
            R::TokenHash(v) => self.token_hashes.contains(&v.to_ascii_lowercase()),
        }
    }

    /// Every entry, in no particular order (what a shared store writes back after it lost
    /// its data).
    pub fn entries(&self) -> Vec<super::Revocation> {
        use super::Revocation as R;
        let mut out = Vec::with_capacity(self.len());
        out.extend(self.jtis.iter().cloned().map(R::Jti));
        out.extend(self.kids.iter().cloned().map(R::Kid));
        out.extend(self.keys.iter().copied().map(R::Key));
        out.extend(self.policy_hashes.iter().cloned().map(R::PolicyHash));
        out.extend(self.token_hashes.iter().cloned().map(R::TokenHash));
        out
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.jtis.len()
            + self.kids.len()
            + self.keys.len()
            + self.policy_hashes.len()
            + self.token_hashes.len()
    }

    /// Whether nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.jtis.is_empty()
            && self.kids.is_empty()
            && self.keys.is_empty()
            && self.policy_hashes.is_empty()
            && self.token_hashes.is_empty()
    }

    /// The first revocation that matches, checked in the order kid (by name, then by key),
    /// token hash, jti, policy hash. `token` is hashed only when token hashes are revoked.
    pub(crate) fn check(
        &self,
        kid: &str,
        key: &VerifyingKey,
        token: &str,
        jti: Option<&str>,
        policy_hash: Option<&str>,
    ) -> Option<RevokedBy> {
        if self.kids.contains(kid) || (!self.keys.is_empty() && self.keys.contains(&key.to_bytes()))
        {
            return Some(RevokedBy::Kid);
        }
        if !self.token_hashes.is_empty() && self.token_hashes.contains(&super::token_hash(token)) {
            return Some(RevokedBy::TokenHash);
        }
        if jti.is_some_and(|j| self.jtis.contains(j)) {
            return Some(RevokedBy::Jti);
        }
        if policy_hash.is_some_and(|p| self.policy_hashes.contains(p)) {
            return Some(RevokedBy::PolicyHash);
        }
        None
    }
}

/// The current [`RevocationList`], replaceable while validations run (no restart). Readers
/// take a snapshot (`Arc` clone under a short read lock); writers swap the whole list.
/// Share it between threads with `Arc<Revocations>`.
#[derive(Debug, Default)]
pub struct Revocations {
    current: RwLock<Arc<RevocationList>>,
}

impl Revocations {
    /// Start with `list`.
    pub fn new(list: RevocationList) -> Revocations {
        Revocations {
            current: RwLock::new(Arc::new(list)),
        }
    }

    /// The list in force now.
    pub fn snapshot(&self) -> Arc<RevocationList> {
        // A poisoned lock only means a writer panicked between two whole-Arc swaps; the
        // Arc inside is always a complete list, so reading it is sound.
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// Put `list` in force; returns the list it replaces.
    pub fn replace(&self, list: RevocationList) -> Arc<RevocationList> {
        let new = Arc::new(list);
        match self.current.write() {
            Ok(mut g) => std::mem::replace(&mut *g, new),
            Err(p) => std::mem::replace(&mut *p.into_inner(), new),
        }
    }

    /// Copy the current list, apply `edit`, and put the result in force (concurrent
    /// `update`s are serialized, none is lost).
    pub fn update(&self, edit: impl FnOnce(&mut RevocationList)) {
        let mut g = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let mut next = RevocationList::clone(&g);
        edit(&mut next);
        *g = Arc::new(next);
    }
}
