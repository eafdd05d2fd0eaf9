//! Québec's 72 public school bodies, and the forgiving search the board picker uses.
//!
//! Sources: `docs/contract.md §6` (`GET /api/v1/school-boards` serves the 72 bodies of
//! `school_boards.json`, `id` being its slug; the app's embedded copy is an offline fallback)
//! and the domain facts on naming: parents know their body by its current name, its pre-2020
//! "Commission scolaire"/"CS" name or the portal's old picker label, with or without accents,
//! with `-` or `–`, with `œ` or `oe`. So the search folds all of these together, and treats
//! former names as aliases.

use std::cmp::Reverse;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::ids::BoardId;
use crate::name::strip_marks;

/// Language of instruction, as in `school_boards.json` (`"fr"` or `"en"`). Special-status
/// bodies are approximated: Littoral `fr`, Cree and Kativik `en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardLanguage {
    /// French-language body.
    Fr,
    /// English-language body.
    En,
}

/// Kind of body, as in `school_boards.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardKind {
    /// A French-language centre de services scolaire (60 of them).
    Css,
    /// An English-language school board (9).
    SchoolBoard,
    /// A special-status body: CSS du Littoral, Cree School Board, Kativik Ilisarniliriniq.
    SpecialStatus,
}

/// One school body, with the field names of `school_boards.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolBoard {
    /// Stable slug: `css-…` (French CSS and Littoral), `sb-…` (English boards), `ss-…`
    /// (Cree, Kativik). This is the `board_id` of `docs/contract.md §6`.
    pub id: BoardId,
    /// Official French name, e.g. `Centre de services scolaire des Affluents`.
    pub name_fr: String,
    /// Official English name, for English and special-status bodies.
    pub name_en: Option<String>,
    /// Language of instruction.
    pub language: BoardLanguage,
    /// Kind of body.
    pub kind: BoardKind,
    /// Administrative region of the seat, e.g. `Lanaudière`.
    pub region: String,
    /// Ministry organisation code, 6 digits (`841000`).
    pub ministry_code: String,
    /// Former names and old picker labels (`Commission scolaire des Affluents`,
    /// `CS des Affluents`), searched as aliases.
    pub former_names: Vec<String>,
}

impl SchoolBoard {
    /// The name to show in `language`: the English name for [`BoardLanguage::En`] when there
    /// is one, the French name otherwise.
    pub fn name_for(&self, language: BoardLanguage) -> &str {
        match (language, &self.name_en) {
            (BoardLanguage::En, Some(name_en)) => name_en,
            _ => &self.name_fr,
        }
    }
}

/// Anything with searchable names: the embedded [`SchoolBoard`]s, or the wire type of the
/// server's list (a board plus `subscribed`), so [`search_boards`] ranks both the same way.
pub trait BoardNames {
    /// Every name the item is known by, current names first, then aliases.
    fn names(&self) -> Vec<&str>;
}

impl BoardNames for SchoolBoard {
    fn names(&self) -> Vec<&str> {
        let mut names = vec![self.name_fr.as_str()];
        names.extend(self.name_en.as_deref());
        names.extend(self.former_names.iter().map(String::as_str));
        names
    }
}

impl BoardNames for crate::wire::parent::SchoolBoardEntry {
    fn names(&self) -> Vec<&str> {
        let mut names = vec![self.name_fr.as_str()];
        names.extend(self.name_en.as_deref());
        names.extend(self.former_names.iter().map(String::as_str));
        names
    }
}

impl<T: BoardNames + ?Sized> BoardNames for &T {
    fn names(&self) -> Vec<&str> {
        (**self).names()
    }
}

/// A list of school bodies with lookup and search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchoolBoards {
    boards: Vec<SchoolBoard>,
}

/// A body of `data/school_boards.json` as `build.rs` compiles it.
struct Embedded {
    id: &'static str,
    name_fr: &'static str,
    name_en: Option<&'static str>,
    language: BoardLanguage,
    kind: BoardKind,
    region: &'static str,
    ministry_code: &'static str,
    former_names: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/school_boards.rs"));

static EMBEDDED: LazyLock<SchoolBoards> = LazyLock::new(|| {
    let boards = BOARDS
        .iter()
        .map(|b| SchoolBoard {
            id: BoardId::new(b.id),
            name_fr: b.name_fr.to_owned(),
            name_en: b.name_en.map(str::to_owned),
            language: b.language,
            kind: b.kind,
            region: b.region.to_owned(),
            ministry_code: b.ministry_code.to_owned(),
            former_names: b.former_names.iter().map(|n| (*n).to_owned()).collect(),
        })
        .collect();
    SchoolBoards { boards }
});

impl SchoolBoards {
    /// The 72 bodies embedded in the app (`data/school_boards.json`, ministry data V2022-11,
    /// compiled into a table by `build.rs`). An offline fallback: the server's list wins
    /// (`docs/contract.md §6`).
    pub fn embedded() -> &'static SchoolBoards {
        &EMBEDDED
    }

    /// Wraps a list (e.g. built from the server's answer), keeping its order.
    pub fn from_list(boards: Vec<SchoolBoard>) -> SchoolBoards {
        SchoolBoards { boards }
    }

    /// The bodies, in list order.
    pub fn all(&self) -> &[SchoolBoard] {
        &self.boards
    }

    /// The body with this `id`, if any.
    pub fn get(&self, id: &BoardId) -> Option<&SchoolBoard> {
        self.boards.iter().find(|b| b.id == *id)
    }

    /// Number of bodies.
    pub fn len(&self) -> usize {
        self.boards.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.boards.is_empty()
    }

    /// The bodies matching `query`, best first; see [`search_by`] for the rule.
    pub fn search(&self, query: &str) -> Vec<&SchoolBoard> {
        search_boards(&self.boards, query)
    }
}

/// [`search_by`] over items exposing their names through [`BoardNames`].
pub fn search_boards<'a, T: BoardNames>(items: &'a [T], query: &str) -> Vec<&'a T> {
    search_by(items, |item| item.names(), query)
}

/// Words that do not identify a body: the generic prefixes ("Centre de services scolaire",
/// "CSS", "Commission scolaire", "CS", "School Board") and French/English particles.
const NOISE_WORDS: &[&str] = &[
    "centre",
    "centres",
    "service",
    "services",
    "scolaire",
    "scolaires",
    "commission",
    "commissions",
    "css",
    "cs",
    "school",
    "schools",
    "board",
    "boards",
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "l",
    "d",
    "au",
    "aux",
    "et",
    "the",
    "of",
];

/// Words that count when a name has them but do not disqualify one that lacks them
/// ("Eastern Townships English School Board" still finds "Eastern Townships School Board").
const OPTIONAL_WORDS: &[&str] = &["english", "french", "anglais", "anglophone", "francophone"];

/// The words of `text` that identify a body: accents removed (NFKD, marks dropped), lowercase,
/// `œ` → `oe` and `æ` → `ae`, split on anything that is not a letter or digit (all dashes,
/// apostrophes, periods, spaces), noise words dropped.
fn search_words(text: &str) -> Vec<String> {
    let folded = strip_marks(text).to_lowercase().replace('œ', "oe").replace('æ', "ae");
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !NOISE_WORDS.contains(w))
        .map(str::to_owned)
        .collect()
}

/// How well one name fits the query; greater is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Fit {
    /// The name's words are exactly the query's.
    exact: bool,
    /// Sum over query words of 3 (equal word), 2 (prefix of a word), 1 (inside a word).
    quality: u32,
    /// Fewer name words left unmatched is better.
    unmatched: Reverse<usize>,
    /// The first query word matches the name's first word.
    in_order: bool,
}

fn fit(query: &[String], name: &[String]) -> Option<Fit> {
    let mut quality = 0;
    let mut matched = vec![false; name.len()];
    for q in query {
        let (best, index) = name
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let score = if w == q {
                    3
                } else if w.starts_with(q.as_str()) {
                    2
                } else if w.contains(q.as_str()) {
                    1
                } else {
                    0
                };
                (score, i)
            })
            .max_by_key(|&(score, i)| (score, Reverse(i)))?;
        if best == 0 {
            if OPTIONAL_WORDS.contains(&q.as_str()) {
                continue;
            }
            return None;
        }
        quality += best;
        if best >= 2 {
            matched[index] = true;
        }
    }
    if quality == 0 {
        return None;
    }
    let in_order = name.first().is_some_and(|w| w.starts_with(query[0].as_str()));
    Some(Fit {
        exact: query == name,
        quality,
        unmatched: Reverse(matched.iter().filter(|m| !**m).count()),
        in_order,
    })
}

/// Searches any list by the names each item is known by, best match first.
///
/// Names and query are compared on their identifying words: accents, case, kinds of dashes
/// and `œ`/`oe` are ignored, and so are the prefixes "Centre de services scolaire", "CSS",
/// "Commission scolaire", "CS", "School Board" and particles such as "de la", "des", "du".
/// Every query word must appear in one name (as a word, the start of a word, or inside a
/// word), except language words such as "English" that a name may lack; the item's best name decides its rank: names equal to the query first, then better
/// word matches, then fewer extra words, then names starting with the query; ties keep list
/// order. An empty query (or one made only of such prefixes) returns every item in list
/// order. `"CS des Affluents"`, `"coeur des vallees"` and `"lester pearson"` find the
/// Affluents, Cœur-des-Vallées and Lester B. Pearson bodies first.
pub fn search_by<'a, T>(
    items: &'a [T],
    names: impl Fn(&'a T) -> Vec<&'a str>,
    query: &str,
) -> Vec<&'a T> {
    let query_words = search_words(query);
    if query_words.is_empty() {
        return items.iter().collect();
    }
    let mut ranked: Vec<(Fit, &'a T)> = items
        .iter()
        .filter_map(|item| {
            names(item)
                .into_iter()
                .filter_map(|name| fit(&query_words, &search_words(name)))
                .max()
                .map(|best| (best, item))
        })
        .collect();
    // Stable: equal fits keep list order.
    ranked.sort_by_key(|&(fit, _)| Reverse(fit));
    ranked.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn first_id(query: &str) -> Option<&'static str> {
        SchoolBoards::embedded().search(query).first().map(|b| b.id.as_str())
    }

    #[test]
    fn the_compiled_table_is_the_json_file() {
        let read: Vec<SchoolBoard> =
            serde_json::from_str(include_str!("../data/school_boards.json")).unwrap();
        assert_eq!(SchoolBoards::embedded().all(), read.as_slice());
    }

    #[test]
    fn the_72_bodies_load_with_unique_ids() {
        let boards = SchoolBoards::embedded();
        assert_eq!(boards.len(), 72);
        let ids: HashSet<&str> = boards.all().iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids.len(), 72);
        let codes: HashSet<&str> = boards.all().iter().map(|b| b.ministry_code.as_str()).collect();
        assert_eq!(codes.len(), 72);
        let count = |kind| boards.all().iter().filter(|b| b.kind == kind).count();
        assert_eq!(count(BoardKind::Css), 60);
        assert_eq!(count(BoardKind::SchoolBoard), 9);
        assert_eq!(count(BoardKind::SpecialStatus), 3);
        assert_eq!(
            boards.get(&BoardId::new("css-affluents")).map(|b| b.region.as_str()),
            Some("Lanaudière")
        );
    }

    #[test]
    fn affluents_under_every_prefix() {
        for query in [
            "affluents",
            "CSS des Affluents",
            "cs des affluents",
            "Commission scolaire des Affluents",
            "Centre de services scolaire des Affluents",
            "AFFLUENTS",
            "afflu",
        ] {
            assert_eq!(first_id(query), Some("css-affluents"), "{query}");
        }
    }

    #[test]
    fn accents_ligatures_and_dashes_are_folded() {
        assert_eq!(first_id("coeur des vallees"), Some("css-coeur-des-vallees"));
        assert_eq!(first_id("Cœur-des-Vallées"), Some("css-coeur-des-vallees"));
        assert_eq!(first_id("kamouraska-riviere-du-loup"), Some("css-kamouraska-riviere-du-loup"));
        assert_eq!(
            first_id("Kamouraska – Rivière du Loup"),
            Some("css-kamouraska-riviere-du-loup")
        );
        assert_eq!(first_id("iles"), Some("css-iles"));
        assert_eq!(first_id("energie"), Some("css-energie"));
    }

    #[test]
    fn english_names_and_aliases() {
        assert_eq!(first_id("lester pearson"), Some("sb-lester-b-pearson"));
        assert_eq!(first_id("Lester B. Pearson School Board"), Some("sb-lester-b-pearson"));
        assert_eq!(first_id("CS Eastern Townships"), Some("sb-eastern-townships"));
        assert_eq!(
            first_id("Eastern Townships English School Board"),
            Some("sb-eastern-townships")
        );
        assert_eq!(first_id("english montreal"), Some("sb-english-montreal"));
        assert_eq!(first_id("cree school board"), Some("ss-cree"));
        assert_eq!(first_id("CS crie"), Some("ss-cree"));
        assert_eq!(first_id("Kativik School Board"), Some("ss-kativik"));
        assert_eq!(first_id("Pierre-Neveu"), Some("css-hautes-laurentides"));
        assert_eq!(first_id("seigneurie des mille iles"), Some("css-mille-iles"));
    }

    #[test]
    fn exact_names_outrank_longer_ones() {
        let results = SchoolBoards::embedded().search("montreal");
        let ids: Vec<&str> = results.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"css-montreal"));
        assert!(ids.contains(&"sb-english-montreal"));
        assert_eq!(first_id("laurentides"), Some("css-laurentides"));
        assert_eq!(first_id("hautes laurentides"), Some("css-hautes-laurentides"));
    }

    #[test]
    fn empty_query_returns_all_in_order() {
        let boards = SchoolBoards::embedded();
        let all: Vec<&SchoolBoard> = boards.all().iter().collect();
        assert_eq!(boards.search(""), all);
        assert_eq!(boards.search("  Centre de services scolaire "), all);
        assert!(boards.search("zzzz").is_empty());
    }

    #[test]
    fn search_by_works_on_other_item_types() {
        struct Listed {
            board: SchoolBoard,
            subscribed: bool,
        }
        let listed: Vec<Listed> = SchoolBoards::embedded()
            .all()
            .iter()
            .map(|b| Listed { board: b.clone(), subscribed: b.id != "css-phares" })
            .collect();
        let found = search_by(&listed, |l| l.board.names(), "CS des Phares");
        assert_eq!(
            found.first().map(|l| (l.board.id.as_str(), l.subscribed)),
            Some(("css-phares", false))
        );
        let entries: Vec<crate::wire::parent::SchoolBoardEntry> = SchoolBoards::embedded()
            .all()
            .iter()
            .map(|b| crate::wire::parent::SchoolBoardEntry::new(b, true))
            .collect();
        assert_eq!(
            search_boards(&entries, "coeur des vallees").first().map(|e| e.id.as_str()),
            Some("css-coeur-des-vallees")
        );
        let boards: Vec<&SchoolBoard> = SchoolBoards::embedded().all().iter().collect();
        assert_eq!(
            search_boards(&boards, "affluents").first().map(|b| b.id.as_str()),
            Some("css-affluents")
        );
    }

    #[test]
    fn from_list_keeps_order_and_serializes_as_the_json_array() {
        let two = SchoolBoards::from_list(SchoolBoards::embedded().all()[..2].to_vec());
        assert_eq!(two.len(), 2);
        let json = serde_json::to_value(&two).unwrap();
        assert_eq!(json[0]["kind"], "css");
        assert_eq!(json[0]["language"], "fr");
        assert_eq!(serde_json::from_value::<SchoolBoards>(json).unwrap(), two);
        assert_eq!(
            SchoolBoards::embedded()
                .get(&BoardId::new("ss-cree"))
                .map(|b| b.name_for(BoardLanguage::En)),
            Some("Cree School Board")
        );
    }
}
