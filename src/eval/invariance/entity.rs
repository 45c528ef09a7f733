//! Rewrites of what a note names, not of whether it sells: an invented brand
//! swapped for a real one of the same kind and back, and prices moved by ±20 %.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::rewrite::changed;

/// Brand pairs: an invented brand of the written corpus (`data/notes`, see
/// `data/README.md`: "Brand names are invented") and a real brand of the same
/// kind of product. Real names that are also common words (美的, 理想, 好奇,
/// 统一, 小米 the grain, 三星 of 三星级酒店) are left out, and no name is part of
/// another.
pub const BRANDS: &[(&str, &str)] = &[
    ("拓野", "索尼"),       // cameras, speakers, keyboards
    ("凌岳", "绿联"),       // chargers
    ("KORVO", "安克"),      // power banks, small appliances
    ("米塔", "漫步者"),     // speakers
    ("极引", "倍思"),       // phone holders
    ("鲸格", "犀牛盾"),     // phone cases
    ("眠岛", "喜临门"),     // mattresses
    ("棉语", "宜家"),       // bedding, home
    ("朝雾", "lululemon"),  // yoga wear
    ("北屿", "优衣库"),     // sweatshirts, basics
    ("简序", "ZARA"),       // shirts
    ("雪岭", "波司登"),     // down jackets
    ("驰跃", "米其林"),     // tyres
    ("澜途", "比亚迪"),     // cars
    ("啡力", "Myprotein"),  // protein bars
    ("野牧", "优形"),       // chicken breast
    ("轻屿", "华为"),       // body-fat scales
    ("毛屿", "小佩"),       // pet care
    ("婴柔", "贝亲"),       // baby detergent
    ("果壳宝贝", "可优比"), // baby bottles
    ("凝妆", "橘朵"),       // make-up
    ("润唇坊", "凡士林"),   // lip care
    ("山茶集", "百雀羚"),   // skin care
    ("云岚", "小罐茶"),     // tea
    ("拾页", "无印良品"),   // bags, stationery
    ("眠途", "名创优品"),   // travel pillows
    ("行呗", "携程"),       // travel booking
    ("驿路", "亚朵"),       // hotels
    ("京栖", "全季"),       // hotels
    ("牛大王", "海底捞"),   // restaurants
    ("青渡", "当当"),       // books
    ("锐刃", "迪卡侬"),     // sports gear
    ("森岚", "格力"),       // home appliances
    ("极光智能", "追觅"),   // robot vacuums
    ("留香坊", "香奈儿"),   // fragrance
    ("归巢", "瑞幸"),       // drinks
];

/// True when `text` names a brand of [`BRANDS`], invented or real.
pub fn mentions_brand(text: &str) -> bool {
    BRANDS
        .iter()
        .any(|(inv, real)| text.contains(inv) || text.contains(real))
}

fn swap(text: &str, from_invented: bool) -> Option<String> {
    let mut out = text.to_owned();
    for &(inv, real) in BRANDS {
        let (from, to) = if from_invented {
            (inv, real)
        } else {
            (real, inv)
        };
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    changed(text, out)
}

/// Every invented brand of [`BRANDS`] replaced by its real counterpart; `None`
/// when the note names none.
pub fn brand_to_real(text: &str) -> Option<String> {
    swap(text, true)
}

/// Every real brand of [`BRANDS`] replaced by its invented counterpart; `None`
/// when the note names none.
pub fn brand_to_invented(text: &str) -> Option<String> {
    swap(text, false)
}

/// A number after ¥/￥, or before 元/块(钱). `块` before another Han character
/// than 钱/多 is a measure word (6块腹肌), not a price; 元 before 气/素/旦/宵
/// is not one either.
static PRICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<cur>[¥￥]\s?)(?P<a>\d+(?:\.\d+)?)|(?P<b>\d+(?:\.\d+)?)(?P<unit>\s?(?:元|块))")
        .expect("pattern compiles")
});

/// `x` scaled by `factor`, written with as many decimals as `x` had (at least 1
/// when `x` is a whole number ≥ 1).
fn scaled(x: &str, factor: f64) -> Option<String> {
    let v: f64 = x.parse().ok()?;
    let decimals = x.split_once('.').map_or(0, |(_, d)| d.len());
    let new = v * factor;
    Some(if decimals == 0 {
        format!("{}", new.round().max(1.0) as i64)
    } else {
        format!("{new:.decimals$}")
    })
}

/// Every price (a number attached to ¥/￥/元/块) multiplied by `factor`; numbers
/// inside share codes (`￥8aX…￥`), measure words and other numbers stay.
fn scale_prices(text: &str, factor: f64) -> Option<String> {
    let mut any = false;
    let out = PRICE.replace_all(text, |c: &Captures| {
        let whole = c.get(0).expect("group 0");
        let after = text[whole.end()..].chars().next();
        let before = text[..whole.start()].chars().next_back();
        let keep = || c[0].to_owned();
        if let Some(a) = c.name("a") {
            // A share code, not a price: letters follow the digits.
            if after.is_some_and(|n| n.is_ascii_alphabetic()) {
                return keep();
            }
            let new = scaled(a.as_str(), factor).unwrap_or_else(|| a.as_str().to_owned());
            any = true;
            return format!("{}{new}", &c["cur"]);
        }
        let b = c.name("b").expect("second branch");
        let unit = &c["unit"];
        let measure = match (unit.trim(), after) {
            ("块", Some(n)) => is_han(n) && n != '钱' && n != '多',
            ("元", Some(n)) => matches!(n, '气' | '素' | '旦' | '宵'),
            _ => false,
        };
        if measure || before.is_some_and(|p| p.is_ascii_alphabetic() || p == '.') {
            return keep();
        }
        any = true;
        let new = scaled(b.as_str(), factor).unwrap_or_else(|| b.as_str().to_owned());
        format!("{new}{unit}")
    });
    if !any {
        return None;
    }
    changed(text, out.into_owned())
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Every price 20 % higher.
pub fn price_up(text: &str) -> Option<String> {
    scale_prices(text, 1.2)
}

/// Every price 20 % lower.
pub fn price_down(text: &str) -> Option<String> {
    scale_prices(text, 0.8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_brand_is_part_of_another() {
        let names: Vec<&str> = BRANDS.iter().flat_map(|(a, b)| [*a, *b]).collect();
        for a in &names {
            for b in &names {
                assert!(a == b || !a.contains(b), "{a} contains {b}");
            }
        }
    }

    #[test]
    fn brands_swap_both_ways() {
        let t = "换了眠岛的独袋弹簧床垫，朝雾的瑜伽裤也不错";
        let real = brand_to_real(t).unwrap();
        assert_eq!(real, "换了喜临门的独袋弹簧床垫，lululemon的瑜伽裤也不错");
        assert_eq!(brand_to_invented(&real).unwrap(), t);
        assert_eq!(brand_to_real("今天去公园散步"), None);
        assert_eq!(brand_to_invented("今天去公园散步"), None);
        assert!(mentions_brand("#优衣库穿搭#"));
    }

    #[test]
    fn prices_move_by_a_fifth() {
        assert_eq!(
            price_up("到手¥199，两瓶99元，一袋3块多").unwrap(),
            "到手¥239，两瓶119元，一袋4块多"
        );
        assert_eq!(
            price_down("只要29.9元 ￥89 就能买").unwrap(),
            "只要23.9元 ￥71 就能买"
        );
        assert_eq!(price_down("一串6块钱").unwrap(), "一串5块钱");
    }

    #[test]
    fn other_numbers_stay() {
        assert_eq!(price_up("练出6块腹肌，跑了5公里"), None);
        assert_eq!(price_up("复制￥Hy7dQ2mK9aP￥去桃宝"), None);
        assert_eq!(price_up("复制￥8aX2kQ￥打开"), None);
        assert_eq!(price_up("到手价129"), None);
    }
}
