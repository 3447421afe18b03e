//! `Table`: the hash-consing table of a [`Graph`](crate::Graph), the id of every node
//! keyed by its hash, with 32 bits of that hash beside each id so a probe rarely
//! needs the node itself.
//!
//! Why not `hashbrown::HashTable<u32>` (which this replaced): hashbrown keeps a 7-bit
//! tag per bucket in a control array and the ids in a second array, so a new node
//! touches two cache lines at random (the control group, then the bucket it writes)
//! and a tag match must read the 16-byte node to compare. Here a slot is one `u64`,
//! eight slots make a 64-byte group, and a probe reads one group: finding a node,
//! finding it absent and inserting it are one cache line, and the slot's 32 hash bits
//! rule out all but one node in four billion before the node is read. The group of a
//! hash is known before the probe, so the constructors prefetch it while they fold and
//! order operands. The table also grows without reading a node: a group is chosen by
//! the hash's top bits, which the slot keeps, so doubling streams the old groups into
//! the new table front to back. On x86_64 a group is scanned with four SSE2 compares
//! (hash bits and empty slots of all eight at once) instead of a loop over the slots.
//! From 2 MiB on (about 230,000 nodes) the groups are one allocation aligned to a huge
//! page and advised to be backed by huge pages ([`Groups`]): each doubling writes a
//! fresh table at random, and 4 KiB pages cost a page fault every 512 slots.

/// Slots per group: one 64-byte cache line of `u64` slots.
const GROUP: usize = 8;

/// The most ids per group on average before the table doubles (7 of 8 slots).
const LOAD: usize = 7;

/// Eight slots on one cache line. A slot is 0 when empty, else the hash's top 32 bits
/// above `id + 1` (ids are below `u32::MAX`, so a full slot is never 0). Slots fill
/// front to back and are never removed, so the full slots of a group are a prefix.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Group([u64; GROUP]);

impl Group {
    #[cfg(test)]
    const EMPTY: Group = Group([0; GROUP]);

    /// A bit per slot whose hash bits are `top` (a full slot), and a bit per empty
    /// slot: slot `i` is bit `2 * i` of each mask (see [`slot_of`]), the layout the
    /// vector scan produces without shuffling.
    #[inline]
    fn scan(&self, top: u32) -> (u32, u32) {
        #[cfg(target_arch = "x86_64")]
        let both = self.scan_sse2(top);
        #[cfg(not(target_arch = "x86_64"))]
        let both = self.scan_scalar(top);
        let empty = both & 0x5555;
        ((both >> 1) & 0x5555 & !empty, empty)
    }

    /// Both masks of [`Group::scan`] interleaved: bit `2 * i` set if slot `i` is
    /// empty (its low word, `id + 1`, is 0), bit `2 * i + 1` if its high word is
    /// `top`. Four 16-byte compares of the slots as they lie against `[0, top, 0,
    /// top]`, packed to bytes and their sign bits collected: no shuffles (11
    /// instructions, against 21 gathering high and low words first).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn scan_sse2(&self, top: u32) -> u32 {
        use std::arch::x86_64::{
            _mm_cmpeq_epi32, _mm_load_si128, _mm_movemask_epi8, _mm_packs_epi16, _mm_packs_epi32,
            _mm_set_epi32,
        };
        let p = self.0.as_ptr().cast::<std::arch::x86_64::__m128i>();
        // SAFETY: SSE2 is part of every x86_64 target; `Group` is 64 bytes aligned to
        // 64, so the four aligned 16-byte loads read exactly its slots.
        unsafe {
            // Little endian: a slot's low word is the even lane, its high word the odd.
            let want = _mm_set_epi32(top as i32, 0, top as i32, 0);
            let [a, b, c, d] =
                [0, 1, 2, 3].map(|i| _mm_cmpeq_epi32(_mm_load_si128(p.add(i)), want));
            // Saturating packs keep each lane's all-ones or zero, in order.
            let bytes = _mm_packs_epi16(_mm_packs_epi32(a, b), _mm_packs_epi32(c, d));
            _mm_movemask_epi8(bytes) as u32
        }
    }

    /// [`Group::scan_sse2`] one slot at a time.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    #[inline]
    fn scan_scalar(&self, top: u32) -> u32 {
        let mut both = 0;
        for (i, &s) in self.0.iter().enumerate() {
            both |= u32::from(s as u32 == 0) << (2 * i);
            both |= u32::from((s >> 32) as u32 == top) << (2 * i + 1);
        }
        both
    }
}

/// The slot of the lowest bit set in a mask of [`Group::scan`] (not empty).
#[inline]
fn slot_of(mask: u32) -> usize {
    (mask.trailing_zeros() / 2) as usize
}

/// Where a probe ended: the id it found, or the free slot where the node goes.
pub(crate) enum Probe {
    /// An id whose node the caller's test accepted.
    Found(u32),
    /// No such node; the index of the slot to give [`Table::insert_at`].
    Vacant(usize),
}

/// Ids keyed by hash, in groups of eight `u64` slots probed linearly from the group
/// the hash's top bits choose.
#[derive(Clone)]
pub(crate) struct Table {
    /// `2^bits` groups, or none before the first insertion.
    groups: Groups,
    /// `log2(groups.len())`, at most 30 (a graph holds fewer than `2^32` nodes).
    bits: u32,
    /// Number of ids held; at most [`Table::capacity`].
    len: usize,
}

impl Table {
    /// An empty table that has allocated nothing.
    pub(crate) fn new() -> Table {
        Table {
            groups: Groups::zeroed(0),
            bits: 0,
            len: 0,
        }
    }

    /// Number of ids held.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many ids the table holds before it must grow.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.groups.len() * LOAD
    }

    /// The group a hash's probe starts at: its top `bits` bits.
    #[inline]
    fn home(&self, top: u32) -> usize {
        // Two shifts, so `bits == 0` shifts by 32 and gives group 0.
        (u64::from(top) >> (32 - self.bits)) as usize
    }

    /// Asks the processor to fetch the group where the probe for `hash` starts; a
    /// hint only.
    #[inline]
    pub(crate) fn prefetch(&self, hash: u64) {
        if let Some(group) = self.groups.get(self.home(top_bits(hash))) {
            prefetch(group);
        }
    }

    /// Looks for an id whose node `is_it` accepts among those keyed by `hash`.
    #[inline]
    pub(crate) fn probe(&self, hash: u64, mut is_it: impl FnMut(u32) -> bool) -> Probe {
        if self.groups.is_empty() {
            return Probe::Vacant(usize::MAX);
        }
        let top = top_bits(hash);
        let mask = self.groups.len() - 1;
        let mut g = self.home(top);
        loop {
            let group = &self.groups[g];
            let (mut matches, empty) = group.scan(top);
            while matches != 0 {
                let id = group.0[slot_of(matches)] as u32 - 1;
                if is_it(id) {
                    return Probe::Found(id);
                }
                matches &= matches - 1;
            }
            if empty != 0 {
                return Probe::Vacant(g * GROUP + slot_of(empty));
            }
            // The table is never full (see `capacity`), so some group has room.
            g = (g + 1) & mask;
        }
    }

    /// Puts `id` in the free slot `at` that [`Table::probe`] for `hash` returned, with
    /// no insertion or growth since. The caller grows the table first when
    /// `len() == capacity()`.
    #[inline]
    pub(crate) fn insert_at(&mut self, at: usize, hash: u64, id: u32) {
        debug_assert!(self.len < self.capacity());
        self.groups[at / GROUP].0[at % GROUP] = slot(top_bits(hash), id);
        self.len += 1;
    }

    /// Adds `id`, known not to be in the table yet, growing it if it is full.
    pub(crate) fn insert_new(&mut self, hash: u64, id: u32) {
        if self.len == self.capacity() {
            self.grow();
        }
        self.put(slot(top_bits(hash), id));
        self.len += 1;
    }

    /// Writes a full slot into the first free slot from its home group on.
    #[inline]
    fn put(&mut self, s: u64) {
        let mask = self.groups.len() - 1;
        let mut g = self.home((s >> 32) as u32);
        loop {
            let group = &mut self.groups[g];
            let (_, empty) = group.scan(0);
            if empty != 0 {
                group.0[slot_of(empty)] = s;
                return;
            }
            g = (g + 1) & mask;
        }
    }

    /// Doubles the table.
    #[cold]
    pub(crate) fn grow(&mut self) {
        self.resize(self.groups.len() * 2);
    }

    /// Makes room for `additional` more ids without growing.
    pub(crate) fn reserve(&mut self, additional: usize) {
        // A graph holds fewer than 2^32 nodes: never more than 2^30 groups.
        let want = self.len.saturating_add(additional).min(u32::MAX as usize);
        if want > self.capacity() {
            self.resize(want.div_ceil(LOAD));
        }
    }

    /// Replaces the groups by `groups` (rounded up to a power of two, at least one)
    /// and moves every slot there. A slot keeps the hash bits that choose its group,
    /// so no node is read; the old groups are read in order and, as their hashes'
    /// top bits ascend with them, the new ones are written nearly in order too. A
    /// count of full slots per new group (one byte a group, 1/64 of the table, freed
    /// on return) says where each slot goes without scanning the group (callgrind,
    /// a 100,000-node build: about 31 instructions a slot moved with the scan, 24
    /// with the count; a million-node build: 24, then 20 with one bounds check a
    /// slot instead of three).
    fn resize(&mut self, groups: usize) {
        let groups = groups.max(1).next_power_of_two();
        let old = std::mem::replace(&mut self.groups, Groups::zeroed(groups));
        self.bits = groups.trailing_zeros();
        // How many slots of each new group are full (they are a prefix): a byte a
        // group, so placing a slot is a load and a store instead of a scan of its group.
        let mut full = vec![0u8; groups];
        let mask = groups - 1;
        let shift = 32 - self.bits;
        for group in old.iter() {
            for &s in group.0.iter().take_while(|&&s| s != 0) {
                // `home`, from the slot as it is: its high word is the hash bits.
                let mut g = (s >> 32 >> shift) as usize;
                while full[g] as usize == GROUP {
                    g = (g + 1) & mask;
                }
                // One bounds check on `full`; the count is below GROUP here, and the
                // mask says so to the compiler, which then checks nothing more.
                let count = &mut full[g];
                self.groups[g].0[*count as usize % GROUP] = s;
                *count += 1;
            }
        }
    }
}

/// Allocations of at least this many bytes (a power of two of groups) are aligned to
/// it, the size of a huge page on x86_64 Linux, and advised to be backed by huge pages.
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the whole huge pages within the `len` bytes at `p` (part of
/// one live allocation) with huge pages when they are first touched. Only advice: it
/// changes no contents, and it is nothing where the system has no transparent huge
/// pages or this is not Linux.
pub(crate) fn advise_huge_pages(p: *mut u8, len: usize) {
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let end = (p as usize).saturating_add(len) / HUGE_PAGE * HUGE_PAGE;
    if start >= end {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: `start..end` lies within the caller's allocation and is page aligned;
    // MADV_HUGEPAGE neither reads nor writes it, and a failure is harmless.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
}

/// The groups of a table: one zeroed allocation, like a `Vec<Group>` of fixed length,
/// except that from [`HUGE_PAGE`] bytes on it is aligned to a huge page and, on Linux,
/// the kernel is asked to back it with huge pages (`madvise(MADV_HUGEPAGE)`; the
/// system's transparent huge pages are commonly in `madvise` mode) before it is first
/// written.
///
/// Why: a table is written at random and each doubling allocates a fresh one, so with
/// 4 KiB pages a table grown to a million nodes takes about 8,000 page faults (32 MiB
/// over all its sizes), at about 2 us each on the virtual machine measured (a fresh
/// 64 MiB touched page by page: 31 ms with 4 KiB pages, 10 ms advised). Huge pages
/// also spare the random probes most TLB misses.
struct Groups {
    /// The first group; dangling (and never read) when `len` is 0.
    ptr: std::ptr::NonNull<Group>,
    /// Number of groups.
    len: usize,
}

// SAFETY: `Groups` owns its allocation as a `Vec<Group>` would, and `Group` is plain
// data.
unsafe impl Send for Groups {}
// SAFETY: as for `Send`: shared references only read.
unsafe impl Sync for Groups {}

impl Groups {
    /// `len` empty groups.
    fn zeroed(len: usize) -> Groups {
        let Some(layout) = Groups::layout(len) else {
            return Groups {
                ptr: std::ptr::NonNull::dangling(),
                len: 0,
            };
        };
        let ptr = if layout.align() == HUGE_PAGE {
            // SAFETY: the layout's size is not zero.
            let p = unsafe { std::alloc::alloc(layout) };
            if !p.is_null() {
                advise_huge_pages(p, layout.size());
                // SAFETY: the allocation is `layout.size()` writable bytes. (It may be
                // reused memory, so it is zeroed here rather than trusted to be.)
                unsafe { std::ptr::write_bytes(p, 0, layout.size()) };
            }
            p
        } else {
            // SAFETY: the layout's size is not zero.
            unsafe { std::alloc::alloc_zeroed(layout) }
        };
        match std::ptr::NonNull::new(ptr.cast::<Group>()) {
            Some(ptr) => Groups { ptr, len },
            None => std::alloc::handle_alloc_error(layout),
        }
    }

    /// The allocation of `len` groups, `None` for none. `len` is at most `2^30`
    /// (see [`Table`]), so the size cannot overflow.
    fn layout(len: usize) -> Option<std::alloc::Layout> {
        let size = len.checked_mul(std::mem::size_of::<Group>())?;
        let align = if size >= HUGE_PAGE {
            HUGE_PAGE
        } else {
            std::mem::align_of::<Group>()
        };
        (size > 0).then(|| std::alloc::Layout::from_size_align(size, align).ok())?
    }
}

impl std::ops::Deref for Groups {
    type Target = [Group];

    #[inline]
    fn deref(&self) -> &[Group] {
        // SAFETY: `ptr` is `len` initialized groups (or dangling with `len` 0).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl std::ops::DerefMut for Groups {
    #[inline]
    fn deref_mut(&mut self) -> &mut [Group] {
        // SAFETY: as in `deref`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Clone for Groups {
    fn clone(&self) -> Groups {
        let mut copy = Groups::zeroed(self.len);
        copy.copy_from_slice(self);
        copy
    }
}

impl Drop for Groups {
    fn drop(&mut self) {
        if let Some(layout) = Groups::layout(self.len) {
            // SAFETY: allocated in `zeroed` with this same layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), layout) };
        }
    }
}

/// The 32 bits of a hash a slot keeps; its top bits choose the group.
#[inline]
fn top_bits(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// The slot of `id` under hash bits `top`.
#[inline]
fn slot(top: u32, id: u32) -> u64 {
    debug_assert!(id < u32::MAX);
    u64::from(top) << 32 | u64::from(id + 1)
}

/// A hint to fetch the cache line holding the start of `x`; nothing on targets
/// without one.
#[inline]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing architecturally and cannot fault; the pointer
    // is a valid reference besides.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys chosen so many share a group: the low `spread` bits of the top word vary.
    fn hashes(n: u32, spread: u32) -> Vec<u64> {
        (0..n)
            .map(|i| {
                let top = (i % spread).reverse_bits() ^ i.wrapping_mul(0x9E37_79B9) >> 20;
                u64::from(top) << 32 | u64::from(i)
            })
            .collect()
    }

    #[test]
    fn finds_what_it_holds_through_growth_and_collisions() {
        for spread in [1, 3, 1000] {
            let keys = hashes(5000, spread);
            let mut t = Table::new();
            for (id, &h) in keys.iter().enumerate() {
                match t.probe(h, |j| j as usize == id) {
                    Probe::Found(_) => panic!("{id} found before it was inserted"),
                    Probe::Vacant(_) => t.insert_new(h, id as u32),
                }
                assert!(t.len() <= t.capacity());
            }
            assert_eq!(t.len(), keys.len());
            for (id, &h) in keys.iter().enumerate() {
                assert!(
                    matches!(t.probe(h, |j| j as usize == id), Probe::Found(j) if j as usize == id)
                );
            }
            assert!(matches!(t.probe(keys[7], |_| false), Probe::Vacant(_)));
        }
    }

    #[test]
    fn growth_keeps_slots_that_wrapped_past_the_end() {
        // Homes crowd the last groups, so runs wrap to group 0, while other keys
        // spread over the table; every key is found after each doubling and after
        // growth by more than doubling.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let keys: Vec<u64> = (0..3000u32)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let top = if i % 3 == 0 {
                    u32::MAX - (x as u32 % 64)
                } else {
                    (x >> 32) as u32
                };
                u64::from(top) << 32 | u64::from(i)
            })
            .collect();
        let mut t = Table::new();
        for (id, &h) in keys.iter().enumerate() {
            t.insert_new(h, id as u32);
            if id % 500 == 499 {
                t.reserve(t.capacity() * 3);
            }
            for (j, &k) in keys[..=id].iter().enumerate().step_by(97) {
                assert!(
                    matches!(t.probe(k, |i| i as usize == j), Probe::Found(i) if i as usize == j)
                );
            }
        }
        for (j, &k) in keys.iter().enumerate() {
            assert!(matches!(t.probe(k, |i| i as usize == j), Probe::Found(i) if i as usize == j));
        }
    }

    #[test]
    fn vacant_slot_takes_the_insertion() {
        let mut t = Table::new();
        t.reserve(20);
        let cap = t.capacity();
        assert!(cap >= 20);
        for id in 0..20u32 {
            let h = u64::from(id % 2) << 63 | u64::from(id);
            match t.probe(h, |j| j == id) {
                Probe::Vacant(at) => t.insert_at(at, h, id),
                Probe::Found(_) => panic!("not inserted yet"),
            }
        }
        assert_eq!(t.capacity(), cap, "reserved room needs no growth");
        for id in 0..20u32 {
            let h = u64::from(id % 2) << 63 | u64::from(id);
            assert!(matches!(t.probe(h, |j| j == id), Probe::Found(j) if j == id));
        }
    }

    #[test]
    fn vector_scan_agrees_with_the_scalar_scan() {
        // Groups with a full prefix, hash bits drawn from a few values (0 included,
        // which an empty slot's high word also reads as).
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let full = (x % 9) as usize;
            let mut group = Group::EMPTY;
            for (i, s) in group.0.iter_mut().take(full).enumerate() {
                let top = (x >> (8 + 2 * i)) as u32 % 3;
                *s = slot(top, (x >> 40) as u32 % 1000 + i as u32);
            }
            for top in 0..3 {
                #[cfg(target_arch = "x86_64")]
                assert_eq!(group.scan_sse2(top), group.scan_scalar(top));
                let (matches, empty) = group.scan(top);
                for (i, &s) in group.0.iter().enumerate() {
                    assert_eq!(empty >> (2 * i) & 1 == 1, s == 0);
                    assert_eq!(
                        matches >> (2 * i) & 1 == 1,
                        s != 0 && (s >> 32) as u32 == top
                    );
                }
                assert_eq!((matches | empty) & !0x5555, 0);
            }
        }
    }

    #[test]
    fn large_tables_are_huge_page_aligned_and_clone() {
        let mut t = Table::new();
        t.reserve(300_000);
        assert!(t.groups.len() * std::mem::size_of::<Group>() >= HUGE_PAGE);
        assert_eq!(t.groups.as_ptr() as usize % HUGE_PAGE, 0);
        assert!(t.groups.iter().all(|g| g.0 == [0; GROUP]), "zeroed");
        for id in 0..1000u32 {
            t.insert_new(u64::from(id.wrapping_mul(0x9E37_79B9)) << 32, id);
        }
        let copy = t.clone();
        drop(t);
        for id in 0..1000u32 {
            let h = u64::from(id.wrapping_mul(0x9E37_79B9)) << 32;
            assert!(matches!(copy.probe(h, |j| j == id), Probe::Found(j) if j == id));
        }
    }

    #[test]
    fn empty_table_finds_nothing() {
        let t = Table::new();
        t.prefetch(42);
        assert!(matches!(t.probe(42, |_| true), Probe::Vacant(_)));
        assert_eq!((t.len(), t.capacity()), (0, 0));
    }
}
