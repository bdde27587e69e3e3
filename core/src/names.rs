//! The names a unit enum is stored and sent by, written once.

/// Gives a unit enum, from one list of its values and their names: `ALL` (every value,
/// in the list's order), `as_str` (the name used in the API, the CLI and the
/// database), `FromStr` (the name back, or the error `$unknown` makes of other text)
/// and, when `Display` is named after it, `Display` as the name.
///
/// ```text
/// names! { Role { Admin => "admin", Member => "member" } unknown: UnknownRole = |s: &str| UnknownRole(s.to_owned()), Display }
/// ```
macro_rules! names {
    (
        $name:ident { $($variant:ident => $text:literal),+ $(,)? }
        unknown: $err:ty = $unknown:expr
        $(, $display:ident)?
    ) => {
        impl $name {
            /// Every value, in the order its names are listed.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name used in the API, the CLI and the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(($unknown)(other)),
                }
            }
        }

        $(names!(@$display $name);)?
    };
    (@Display $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
