//! The catalog: products with observable attributes and hidden quality and taste vectors.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::params::CatalogParams;
use crate::rng::{stream, Purpose, SimRng};

/// Index of a product in the catalog.
pub type ProductId = u32;
/// Index of a category.
pub type CategoryId = u16;

/// What the shop knows about a product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductInfo {
    /// Product id (its index).
    pub id: ProductId,
    /// Category.
    pub category: CategoryId,
    /// Brand, unique across categories.
    pub brand: u16,
    /// Observable tags as a bit set.
    pub tags: u16,
    /// List price.
    pub list_price: f64,
    /// Unit cost; list price minus unit cost is the gross margin at list price.
    pub unit_cost: f64,
    /// First day the product is on sale.
    pub launch_day: u32,
}

/// What the shop knows about a category.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryInfo {
    /// Category id (its index).
    pub id: CategoryId,
    /// Display name.
    pub name: String,
    /// Categories whose products go well with this one (cross-sell).
    pub complements: Vec<CategoryId>,
    /// Median list price, the shopper's reference price in this category.
    pub reference_price: f64,
    /// Products in this category.
    pub products: Vec<ProductId>,
}

/// The catalog. Observable attributes are public; quality, taste vectors and seasonality
/// are private to the world module, so strategies cannot read them.
#[derive(Debug, Clone)]
pub struct Catalog {
    products: Vec<ProductInfo>,
    categories: Vec<CategoryInfo>,
    /// ln(list price ÷ the category's reference price) per product: the price term of most
    /// considered products, computed once instead of a logarithm per product shown.
    list_log_ratio: Vec<f64>,
    /// Every product's launch day, in order: how many are on sale on a day, at a glance.
    launches: Vec<u32>,
    hidden: Hidden,
}

#[derive(Debug, Clone)]
struct Hidden {
    dim: usize,
    /// Product taste vectors, `dim` floats per product.
    latent: Vec<f32>,
    quality: Vec<f32>,
    /// Category centroids, `dim` floats per category.
    centroids: Vec<f32>,
    /// How popular each category is as a favourite (unnormalised).
    category_weight: Vec<f64>,
    /// Seasonal amplitude per category (0 for non-seasonal ones).
    season_amplitude: Vec<f32>,
    peak_day: f64,
    width_days: f64,
    traffic_lift: f64,
}

const CATEGORY_NAMES: &[&str] = &[
    "apparel",
    "shoes",
    "bags",
    "beauty",
    "home",
    "kitchen",
    "garden",
    "toys",
    "books",
    "sports",
    "outdoor",
    "audio",
    "phones",
    "computers",
    "gaming",
    "cameras",
    "jewelry",
    "watches",
    "pets",
    "grocery",
    "baby",
    "office",
    "tools",
    "auto",
];

fn normal(rng: &mut SimRng) -> f64 {
    StandardNormal.sample(rng)
}

impl Catalog {
    /// Generates the catalog of a scenario from its seed.
    pub fn generate(params: &CatalogParams, dim: usize, days: u32, seed: u64) -> Self {
        let mut rng = stream(seed, u64::MAX, 0, Purpose::Catalog, 0);
        let n_cat = params.categories as usize;
        let n_prod = params.products as usize;
        let scale = 1.0 / (dim as f64).sqrt();

        // Unit-length centroids: a category's fans should not like it more in one world than
        // in another just because its random centroid came out long.
        let mut centroids = Vec::with_capacity(n_cat * dim);
        for _ in 0..n_cat {
            let c: Vec<f64> = (0..dim).map(|_| normal(&mut rng)).collect();
            let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-9);
            centroids.extend(c.iter().map(|x| (x / norm) as f32));
        }
        let category_weight: Vec<f64> = (0..n_cat)
            .map(|k| 1.0 / ((k + 1) as f64).powf(params.category_skew))
            .collect();
        let price_level: Vec<f64> = (0..n_cat)
            .map(|_| (params.category_price_spread * normal(&mut rng)).exp())
            .collect();
        let brand_effect: Vec<f64> = (0..n_cat * params.brands_per_category as usize)
            .map(|_| 0.6 * params.quality_sd * normal(&mut rng))
            .collect();

        // Bigger categories hold more products; every category gets at least one.
        let size_weight: Vec<f64> = category_weight.iter().map(|w| w.sqrt()).collect();
        let total_size: f64 = size_weight.iter().sum();
        let mut products = Vec::with_capacity(n_prod);
        let mut latent = Vec::with_capacity(n_prod * dim);
        let mut quality = Vec::with_capacity(n_prod);
        for j in 0..n_prod {
            let category = if j < n_cat {
                j
            } else {
                pick(&size_weight, total_size, rng.random::<f64>())
            };
            let b = rng.random_range(0..params.brands_per_category as usize);
            let brand = category * params.brands_per_category as usize + b;
            let start = latent.len();
            for d in 0..dim {
                let c = f64::from(centroids[category * dim + d]);
                latent.push((c + params.category_spread * scale * normal(&mut rng)) as f32);
            }
            let q = brand_effect[brand] + 0.8 * params.quality_sd * normal(&mut rng);
            quality.push(q as f32);
            let price = params.price_median
                * price_level[category]
                * (params.price_spread * normal(&mut rng)).exp();
            let list_price = (price.max(0.5) * 100.0).round() / 100.0;
            let margin = rng.random_range(params.margin[0]..=params.margin[1]);
            products.push(ProductInfo {
                id: j as ProductId,
                category: category as CategoryId,
                brand: brand as u16,
                tags: tags_of(&latent[start..], params.tags as u32),
                list_price,
                unit_cost: ((list_price * (1.0 - margin)) * 100.0).round() / 100.0,
                launch_day: if days > 1 && j >= n_cat && rng.random::<f64>() < params.launch_share {
                    rng.random_range(1..days)
                } else {
                    0
                },
            });
        }

        let mut categories: Vec<CategoryInfo> = (0..n_cat)
            .map(|k| CategoryInfo {
                id: k as CategoryId,
                name: category_name(k),
                complements: Vec::new(),
                reference_price: 0.0,
                products: Vec::new(),
            })
            .collect();
        for p in &products {
            categories[p.category as usize].products.push(p.id);
        }
        for (k, category) in categories.iter_mut().enumerate() {
            let mut prices: Vec<f64> = category
                .products
                .iter()
                .map(|&j| products[j as usize].list_price)
                .collect();
            prices.sort_by(f64::total_cmp);
            category.reference_price = prices[prices.len() / 2];
            while category.complements.len() < params.complements as usize {
                let other = rng.random_range(0..n_cat) as CategoryId;
                if other as usize != k && !category.complements.contains(&other) {
                    category.complements.push(other);
                }
            }
        }

        let s = &params.seasonality;
        let season_amplitude = (0..n_cat)
            .map(|_| {
                if rng.random::<f64>() < s.seasonal_share {
                    s.amplitude as f32
                } else {
                    0.0
                }
            })
            .collect();

        let list_log_ratio = products
            .iter()
            .map(|p| (p.list_price / categories[p.category as usize].reference_price).ln())
            .collect();
        let mut launches: Vec<u32> = products.iter().map(|p| p.launch_day).collect();
        launches.sort_unstable();
        Catalog {
            products,
            categories,
            list_log_ratio,
            launches,
            hidden: Hidden {
                dim,
                latent,
                quality,
                centroids,
                category_weight,
                season_amplitude,
                peak_day: f64::from(s.peak_day),
                width_days: s.width_days,
                traffic_lift: s.traffic_lift,
            },
        }
    }

    /// All products, indexed by id.
    pub fn products(&self) -> &[ProductInfo] {
        &self.products
    }

    /// One product.
    pub fn product(&self, id: ProductId) -> &ProductInfo {
        &self.products[id as usize]
    }

    /// All categories, indexed by id.
    pub fn categories(&self) -> &[CategoryInfo] {
        &self.categories
    }

    /// Number of products.
    pub fn len(&self) -> usize {
        self.products.len()
    }

    /// Products on sale on `day` (launched on or before it).
    pub fn on_sale_count(&self, day: u32) -> usize {
        self.launches.partition_point(|&launch| launch <= day)
    }

    /// Whether the catalog is empty (never, for a checked scenario).
    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    pub(in crate::world) fn dim(&self) -> usize {
        self.hidden.dim
    }

    pub(in crate::world) fn latent(&self, id: ProductId) -> &[f32] {
        let d = self.hidden.dim;
        &self.hidden.latent[id as usize * d..(id as usize + 1) * d]
    }

    /// ln(`price` ÷ the category's reference price), the price term of the click utility.
    pub(in crate::world) fn log_price_ratio(&self, id: ProductId, price: f64) -> f64 {
        let info = &self.products[id as usize];
        if price == info.list_price {
            self.list_log_ratio[id as usize]
        } else {
            (price / self.categories[info.category as usize].reference_price).ln()
        }
    }

    pub(in crate::world) fn quality(&self, id: ProductId) -> f64 {
        f64::from(self.hidden.quality[id as usize])
    }

    pub(in crate::world) fn centroid(&self, k: usize) -> &[f32] {
        let d = self.hidden.dim;
        &self.hidden.centroids[k * d..(k + 1) * d]
    }

    pub(in crate::world) fn category_weights(&self) -> &[f64] {
        &self.hidden.category_weight
    }

    /// The seasonal factors of `day`; computed once a day, read for every shopper.
    pub(in crate::world) fn season(&self, day: u32) -> Season {
        let z = (f64::from(day) - self.hidden.peak_day) / self.hidden.width_days;
        let peak = (-0.5 * z * z).exp();
        let traffic = if self.hidden.traffic_lift == 0.0 {
            1.0
        } else {
            1.0 + self.hidden.traffic_lift * peak
        };
        Season { peak, traffic }
    }

    /// Extra click utility of a category's products from the season.
    pub(in crate::world) fn season_utility(&self, category: CategoryId, season: &Season) -> f64 {
        let a = self.hidden.season_amplitude[category as usize];
        if a == 0.0 {
            0.0
        } else {
            f64::from(a) * season.peak
        }
    }
}

/// The seasonal factors of one day.
#[derive(Debug, Clone, Copy)]
pub(in crate::world) struct Season {
    /// Seasonal peak shape, in [0, 1].
    pub peak: f64,
    /// Store-wide traffic multiplier.
    pub traffic: f64,
}

/// Index drawn from unnormalised weights with a uniform `u` in [0, 1).
pub(crate) fn pick(weights: &[f64], total: f64, u: f64) -> usize {
    let mut target = u * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.len() - 1
}

/// Tags are an observable, noisy echo of the hidden vector: the positive direction of its
/// two strongest coordinates. Content-based strategies can learn from them, as a shop learns
/// from its own product descriptions.
fn tags_of(v: &[f32], n_tags: u32) -> u16 {
    if n_tags == 0 {
        return 0;
    }
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[b].abs().total_cmp(&v[a].abs()));
    idx.iter().take(2).fold(0u16, |acc, &d| {
        let tag = (2 * d as u32 + u32::from(v[d] < 0.0)) % n_tags;
        acc | (1 << tag)
    })
}

fn category_name(k: usize) -> String {
    let base = CATEGORY_NAMES[k % CATEGORY_NAMES.len()];
    match k / CATEGORY_NAMES.len() {
        0 => base.to_string(),
        round => format!("{base}-{}", round + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_reproducible_and_consistent() {
        let params = CatalogParams::default();
        let a = Catalog::generate(&params, 8, 30, 1);
        let b = Catalog::generate(&params, 8, 30, 1);
        assert_eq!(a.products(), b.products());
        assert_eq!(a.len(), 2000);
        assert!(a
            .categories()
            .iter()
            .all(|c| !c.products.is_empty() && c.complements.len() == 2));
        assert!(a
            .products()
            .iter()
            .all(|p| p.unit_cost < p.list_price && p.list_price > 0.0));
    }
}
