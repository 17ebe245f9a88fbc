/**
 * Category sets, marginal weights and label coefficients for the synthetic
 * "Adult census income"-like dataset. Weights are relative (normalised by the
 * sampler) and mostly taken from category counts in UCI Adult `adult.data`
 * (32,561 rows) with the "?" (missing) category removed, so the clean
 * variants contain no missing values at all.
 */

export const WORKCLASS = [
  'Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Federal-gov', 'Local-gov', 'State-gov', 'Without-pay',
] as const;
// "Never-worked" is omitted: in Adult it always co-occurs with occupation "?".
export const WORKCLASS_W_TRAIN = [22696, 2541, 1116, 960, 2093, 1298, 14];
export const WORKCLASS_W_DRIFTED = [52, 14, 7, 8, 11, 8, 0.04];

export const EDUCATION = [
  'Preschool', '1st-4th', '5th-6th', '7th-8th', '9th', '10th', '11th', '12th', 'HS-grad',
  'Some-college', 'Assoc-voc', 'Assoc-acdm', 'Bachelors', 'Masters', 'Prof-school', 'Doctorate',
] as const;
/** Adult counts; used for ages >= 24. */
export const EDUCATION_W_ADULT = [51, 168, 333, 646, 514, 933, 1175, 433, 10501, 7291, 1382, 1067, 5355, 1723, 576, 413];
/** Ages 17-19: still in or just out of school. */
export const EDUCATION_W_TEEN = [0, 0, 0, 2, 5, 14, 25, 12, 26, 16, 0, 0, 0, 0, 0, 0];
/** Ages 20-23: no postgraduate degrees yet, fewer bachelors. */
export const EDUCATION_W_YOUNG = [20, 60, 120, 250, 250, 500, 700, 300, 9000, 9500, 900, 900, 2000, 0, 0, 0];
/** 0 = below high school, 1 = high school / some college / associate, 2 = bachelors and above. */
export const EDUCATION_TIER = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];

export const MARITAL = [
  'Married-civ-spouse', 'Never-married', 'Divorced', 'Separated', 'Widowed', 'Married-spouse-absent',
  'Married-AF-spouse',
] as const;
export const MARRIED_CIV = 0;
export const NEVER_MARRIED = 1;
export const MARRIED_AF = 6;

/** Age groups for marital status: index by ageGroup(age). */
export function maritalAgeGroup(age: number): number {
  if (age < 20) return 0;
  if (age < 25) return 1;
  if (age < 30) return 2;
  if (age < 40) return 3;
  if (age < 55) return 4;
  if (age < 65) return 5;
  return 6;
}
/** [sex][ageGroup] -> weights over MARITAL. Men in Adult are far more often "married-civ-spouse". */
export const MARITAL_W: readonly (readonly (readonly number[])[])[] = [
  // Female
  [
    [1.5, 97, 0.3, 0.5, 0, 0.5, 0.1],
    [10, 80, 4, 3.5, 0.2, 1.5, 0.3],
    [14, 58, 15, 7, 0.5, 2.2, 0.3],
    [17, 33, 33, 9, 1.5, 2.5, 0.1],
    [19, 17, 42, 8, 9, 2.5, 0.05],
    [18, 9, 31, 5, 34, 2, 0],
    [15, 6, 16, 3, 58, 2, 0],
  ],
  // Male
  [
    [1, 98, 0.3, 0.3, 0, 0.4, 0],
    [12, 84, 1.5, 1, 0, 1.3, 0.2],
    [48, 45, 4, 2, 0.1, 1.6, 0.3],
    [70, 18, 8, 2.7, 0.2, 1.6, 0.1],
    [72, 9, 13, 3, 0.8, 1.8, 0.05],
    [75, 5, 11, 2.5, 4, 1.6, 0],
    [70, 4, 8, 1.5, 15, 1.5, 0],
  ],
];

export const RELATIONSHIP = ['Husband', 'Wife', 'Own-child', 'Not-in-family', 'Unmarried', 'Other-relative'] as const;
export const HUSBAND = 0;
export const WIFE = 1;
export const OWN_CHILD = 2;

/**
 * Relationship weights given (sex, marital, under-25). Spouse relationships
 * only appear for married people of the matching sex, which keeps the
 * Husband => Male & married invariant of the real data.
 */
export function relationshipWeights(sex: number, marital: number, young: boolean): number[] {
  const female = sex === 0;
  if (marital === MARRIED_CIV || marital === MARRIED_AF) {
    return female ? [0, 96, young ? 2 : 0.5, 0.3, 0, 2] : [96, 0, young ? 2 : 0.5, 0.3, 0, 2];
  }
  if (marital === NEVER_MARRIED) {
    return young ? [0, 0, 62, 26, female ? 6 : 3, 7] : [0, 0, 16, 58, female ? 24 : 10, 8];
  }
  // Divorced / Separated / Widowed / Married-spouse-absent
  return [0, 0, young ? 10 : 3, female ? 40 : 65, female ? 52 : 22, 5];
}

export const OCCUPATION = [
  'Prof-specialty', 'Craft-repair', 'Exec-managerial', 'Adm-clerical', 'Sales', 'Other-service',
  'Machine-op-inspct', 'Transport-moving', 'Handlers-cleaners', 'Farming-fishing', 'Tech-support',
  'Protective-serv', 'Priv-house-serv', 'Armed-Forces',
] as const;
const OCCUPATION_BASE = [4140, 4099, 4066, 3770, 3650, 3295, 2002, 1597, 1370, 994, 928, 649, 149, 9];
const OCCUPATION_TIER_MULT = [
  [0.1, 1.5, 0.3, 0.5, 0.9, 2.5, 2.5, 1.8, 2.5, 2.5, 0.2, 0.5, 3, 1],
  [0.6, 1.2, 0.9, 1.3, 1.0, 0.9, 0.9, 1.0, 0.8, 0.8, 1.3, 1.2, 0.6, 1],
  [3.5, 0.3, 2.5, 0.6, 1.0, 0.25, 0.15, 0.2, 0.1, 0.3, 1.0, 0.6, 0.1, 1],
];
const OCCUPATION_SEX_MULT = [
  [1.1, 0.15, 0.8, 2.3, 1, 1.6, 0.8, 0.15, 0.4, 0.3, 1, 0.3, 3, 0.1], // Female
  [0.95, 1.4, 1.1, 0.55, 1, 0.75, 1.1, 1.4, 1.3, 1.4, 1, 1.4, 0.15, 1], // Male
];
/** Occupation weights for [sex][tier]. */
export function occupationWeights(sex: number, tier: number): number[] {
  return OCCUPATION_BASE.map((w, i) => w * OCCUPATION_TIER_MULT[tier]![i]! * OCCUPATION_SEX_MULT[sex]![i]!);
}

export const RACE = ['White', 'Black', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other'] as const;
export const RACE_W = [27816, 3124, 1039, 311, 271];
export const ASIAN_PAC_ISLANDER = 2;

export const SEX = ['Female', 'Male'] as const;
export const SEX_W = [10771, 21790];

export const NATIVE_COUNTRY = [
  'United-States', 'Mexico', 'Philippines', 'Germany', 'Canada', 'Puerto-Rico', 'El-Salvador', 'India', 'Cuba',
  'England', 'Jamaica', 'South', 'China', 'Italy', 'Dominican-Republic', 'Vietnam', 'Guatemala', 'Japan',
  'Poland', 'Columbia', 'Taiwan', 'Haiti', 'Iran', 'Portugal', 'Nicaragua', 'Peru', 'France', 'Greece',
  'Ecuador', 'Ireland', 'Hong', 'Cambodia', 'Trinadad&Tobago', 'Laos', 'Thailand', 'Yugoslavia',
  'Outlying-US(Guam-USVI-etc)', 'Honduras', 'Hungary', 'Scotland', 'Holand-Netherlands',
] as const;
const COUNTRY_COUNTS = [
  29170, 643, 198, 137, 121, 114, 106, 100, 95, 90, 81, 80, 75, 73, 70, 67, 64, 62, 60, 59, 51, 44, 43, 37, 34,
  31, 29, 29, 28, 24, 20, 19, 19, 18, 18, 16, 14, 13, 13, 12, 1,
];
const ASIAN_COUNTRIES: ReadonlySet<string> = new Set([
  'Philippines', 'India', 'South', 'China', 'Vietnam', 'Japan', 'Taiwan', 'Hong', 'Cambodia', 'Laos', 'Thailand',
]);
/**
 * Country weights. Asian countries are drawn only for race Asian-Pac-Islander
 * (about two thirds of whom are foreign-born in Adult); everyone else uses the
 * remaining countries. `foreignBoost` multiplies all non-US weights (drift).
 */
export function countryWeights(asian: boolean, foreignBoost: number, usWeightAsian: number): number[] {
  return NATIVE_COUNTRY.map((c, i) => {
    if (i === 0) return asian ? usWeightAsian : COUNTRY_COUNTS[0]!;
    const isAsianCountry = ASIAN_COUNTRIES.has(c);
    if (asian !== isAsianCountry) return 0;
    return COUNTRY_COUNTS[i]! * (asian ? 1 : foreignBoost);
  });
}

/** Age bands [lo, hi] sampled by weight, then uniformly within the band. */
export const AGE_BANDS: readonly (readonly [number, number])[] = [
  [17, 19], [20, 24], [25, 29], [30, 34], [35, 39], [40, 44], [45, 49],
  [50, 54], [55, 59], [60, 64], [65, 69], [70, 79], [80, 90],
];
export const AGE_W_TRAIN = [5.5, 10.5, 12.5, 13, 13, 12, 10.5, 8, 6, 4.5, 2.5, 1.6, 0.4];
/** Drifted: same 17-24 mass (so education, which depends on age only below 24, stays stable), older 25+. */
export const AGE_W_DRIFTED = [5.5, 10.5, 5, 6, 8, 9.5, 11, 11.5, 11, 9.5, 7, 4, 1.5];

/** Non-zero capital_gain values and their Adult frequencies. */
export const CAPITAL_GAIN_VALUES = [
  15024, 7688, 7298, 99999, 3103, 5178, 5013, 4386, 8614, 3325, 2174, 10520, 4650, 27828, 4064, 594, 3137,
  14084, 3908, 13550, 2829, 6849, 1055, 2176, 4787, 2202, 3411, 20051, 2407, 2597, 3942, 25236, 2885, 4101,
  2105, 2635, 15020, 34095, 41310, 9562, 6418, 10605, 2977, 991, 1506, 401, 114,
];
export const CAPITAL_GAIN_W = [
  347, 284, 246, 159, 97, 97, 69, 70, 55, 53, 48, 43, 41, 34, 42, 34, 37, 41, 32, 27, 31, 27, 25, 23, 23, 16, 24,
  37, 19, 20, 14, 11, 24, 20, 15, 11, 5, 5, 2, 4, 9, 12, 8, 5, 15, 2, 6,
];
/** P(capital_gain > 0) by education tier (~8% overall, as in Adult). */
export const CAPITAL_GAIN_P = [0.035, 0.065, 0.15];

export const CAPITAL_LOSS_VALUES = [
  1902, 1977, 1887, 1848, 1485, 2415, 1602, 1740, 1590, 1876, 1672, 1741, 1564, 2258, 1719, 1980, 2001, 2051,
  1579, 2377, 1669, 625, 1504, 1340, 1092, 2002, 1628, 1408, 2339, 880, 2179, 2457, 1651, 213, 323, 653, 1721,
  3004, 4356, 2824, 2559, 3900, 2444, 2392,
];
export const CAPITAL_LOSS_W = [
  202, 168, 159, 51, 51, 49, 47, 42, 40, 39, 34, 24, 25, 25, 22, 23, 24, 21, 20, 20, 24, 12, 18, 7, 7, 21, 15, 21,
  17, 6, 15, 3, 9, 4, 3, 3, 18, 2, 3, 10, 12, 2, 12, 9,
];
/** P(capital_loss > 0 | capital_gain == 0) by education tier (~4.7% overall). Gain and loss never co-occur. */
export const CAPITAL_LOSS_P = [0.03, 0.045, 0.075];

export const INCOME = ['<=50K', '>50K'] as const;

// ---- Latent logistic label model: z = intercept + sum of effects; P(>50K) = sigmoid(z). ----
export const LABEL_INTERCEPT = -2.83;
export const EDUCATION_EFFECT = [-2.5, -2.0, -1.8, -1.6, -1.5, -1.4, -1.4, -1.1, -0.4, 0, 0.2, 0.3, 0.95, 1.35, 1.95, 1.85];
export const OCCUPATION_EFFECT = [0.6, 0, 0.8, -0.1, 0.3, -1.2, -0.3, -0.2, -0.8, -0.9, 0.5, 0.5, -2, 0];
export const WORKCLASS_EFFECT = [0, -0.3, 0.6, 0.6, 0, -0.1, -3];
export const MARRIED_EFFECT = 2.3;
export const WIFE_EFFECT = 0.3;
export const OWN_CHILD_EFFECT = -1.0;
export const MALE_EFFECT = 0.3;
