"""Translations for the composed descriptions (hand-written: no library composes these).

Columns follow ``LANGS``. Concept nouns are bare (no article) so every template can place
them after a colon or as a modifier without grammatical agreement; English adds its article.
"""

from __future__ import annotations

LANGS = ("en", "zh", "de", "es", "fr", "ja", "ko", "fi", "nl", "pt", "tr", "ru")

_CONCEPTS: dict[str, tuple[str, ...]] = {
    "animal": ("animal", "动物", "Tier", "animal", "animal", "動物", "동물", "eläin", "dier", "animal", "hayvan", "животное"),  # noqa: E501
    "dog": ("dog", "狗", "Hund", "perro", "chien", "犬", "개", "koira", "hond", "cão", "köpek", "собака"),  # noqa: E501
    "cat": ("cat", "猫", "Katze", "gato", "chat", "猫", "고양이", "kissa", "kat", "gato", "kedi", "кошка"),  # noqa: E501
    "bird": ("bird", "鸟", "Vogel", "pájaro", "oiseau", "鳥", "새", "lintu", "vogel", "pássaro", "kuş", "птица"),  # noqa: E501
    "fish": ("fish", "鱼", "Fisch", "pez", "poisson", "魚", "물고기", "kala", "vis", "peixe", "balık", "рыба"),  # noqa: E501
    "insect": ("insect", "昆虫", "Insekt", "insecto", "insecte", "昆虫", "곤충", "hyönteinen", "insect", "inseto", "böcek", "насекомое"),  # noqa: E501
    "reptile": ("reptile", "爬行动物", "Reptil", "reptil", "reptile", "爬虫類", "파충류", "matelija", "reptiel", "réptil", "sürüngen", "рептилия"),  # noqa: E501
    "vehicle": ("vehicle", "交通工具", "Fahrzeug", "vehículo", "véhicule", "乗り物", "탈것", "ajoneuvo", "voertuig", "veículo", "taşıt", "транспортное средство"),  # noqa: E501
    "car": ("car", "汽车", "Auto", "coche", "voiture", "自動車", "자동차", "auto", "auto", "carro", "araba", "автомобиль"),  # noqa: E501
    "boat": ("boat", "船", "Boot", "barco", "bateau", "船", "배", "vene", "boot", "barco", "tekne", "лодка"),  # noqa: E501
    "aircraft": ("aircraft", "飞机", "Flugzeug", "avión", "avion", "航空機", "항공기", "lentokone", "vliegtuig", "avião", "uçak", "самолёт"),  # noqa: E501
    "train": ("train", "火车", "Zug", "tren", "train", "列車", "기차", "juna", "trein", "trem", "tren", "поезд"),  # noqa: E501
    "rocket": ("rocket", "火箭", "Rakete", "cohete", "fusée", "ロケット", "로켓", "raketti", "raket", "foguete", "roket", "ракета"),  # noqa: E501
    "food": ("food", "食物", "Essen", "comida", "nourriture", "食べ物", "음식", "ruoka", "eten", "comida", "yiyecek", "еда"),  # noqa: E501
    "fruit": ("fruit", "水果", "Obst", "fruta", "fruit", "果物", "과일", "hedelmä", "fruit", "fruta", "meyve", "фрукт"),  # noqa: E501
    "vegetable": ("vegetable", "蔬菜", "Gemüse", "verdura", "légume", "野菜", "채소", "vihannes", "groente", "legume", "sebze", "овощ"),  # noqa: E501
    "drink": ("drink", "饮料", "Getränk", "bebida", "boisson", "飲み物", "음료", "juoma", "drankje", "bebida", "içecek", "напиток"),  # noqa: E501
    "kitchenware": ("kitchen utensil", "厨具", "Küchengerät", "utensilio de cocina", "ustensile de cuisine", "台所用品", "주방용품", "keittiöväline", "keukengerei", "utensílio de cozinha", "mutfak eşyası", "кухонная утварь"),  # noqa: E501
    "plant": ("plant", "植物", "Pflanze", "planta", "plante", "植物", "식물", "kasvi", "plant", "planta", "bitki", "растение"),  # noqa: E501
    "flower": ("flower", "花", "Blume", "flor", "fleur", "花", "꽃", "kukka", "bloem", "flor", "çiçek", "цветок"),  # noqa: E501
    "mushroom": ("mushroom", "蘑菇", "Pilz", "seta", "champignon", "キノコ", "버섯", "sieni", "paddenstoel", "cogumelo", "mantar", "гриб"),  # noqa: E501
    "person": ("person", "人", "Person", "persona", "personne", "人物", "사람", "henkilö", "persoon", "pessoa", "kişi", "человек"),  # noqa: E501
    "building": ("building", "建筑物", "Gebäude", "edificio", "bâtiment", "建物", "건물", "rakennus", "gebouw", "edifício", "bina", "здание"),  # noqa: E501
    "structure": ("structure", "构筑物", "Bauwerk", "estructura", "ouvrage", "構造物", "구조물", "rakennelma", "bouwwerk", "estrutura", "yapı", "сооружение"),  # noqa: E501
    "interior": ("interior", "室内", "Innenraum", "interior", "intérieur", "室内", "실내", "sisätila", "interieur", "interior", "iç mekân", "интерьер"),  # noqa: E501
    "furniture": ("piece of furniture", "家具", "Möbelstück", "mueble", "meuble", "家具", "가구", "huonekalu", "meubel", "móvel", "mobilya", "мебель"),  # noqa: E501
    "clothing": ("piece of clothing", "服装", "Kleidungsstück", "prenda de ropa", "vêtement", "衣類", "의류", "vaate", "kledingstuk", "peça de roupa", "giysi", "одежда"),  # noqa: E501
    "electronics": ("electronic device", "电子设备", "elektronisches Gerät", "dispositivo electrónico", "appareil électronique", "電子機器", "전자 기기", "elektroninen laite", "elektronisch apparaat", "dispositivo eletrônico", "elektronik cihaz", "электронное устройство"),  # noqa: E501
    "screen": ("screen", "屏幕", "Bildschirm", "pantalla", "écran", "画面", "화면", "näyttö", "scherm", "tela", "ekran", "экран"),  # noqa: E501
    "musical-instrument": ("musical instrument", "乐器", "Musikinstrument", "instrumento musical", "instrument de musique", "楽器", "악기", "soitin", "muziekinstrument", "instrumento musical", "müzik aleti", "музыкальный инструмент"),  # noqa: E501
    "tool": ("tool", "工具", "Werkzeug", "herramienta", "outil", "道具", "도구", "työkalu", "gereedschap", "ferramenta", "alet", "инструмент"),  # noqa: E501
    "sports-equipment": ("piece of sports equipment", "运动器材", "Sportgerät", "equipo deportivo", "équipement sportif", "スポーツ用品", "운동 기구", "urheiluväline", "sportuitrusting", "equipamento esportivo", "spor malzemesi", "спортивный инвентарь"),  # noqa: E501
    "weapon": ("weapon", "武器", "Waffe", "arma", "arme", "武器", "무기", "ase", "wapen", "arma", "silah", "оружие"),  # noqa: E501
    "toy": ("toy", "玩具", "Spielzeug", "juguete", "jouet", "おもちゃ", "장난감", "lelu", "speelgoed", "brinquedo", "oyuncak", "игрушка"),  # noqa: E501
    "text": ("printed text", "印刷文字", "gedruckter Text", "texto impreso", "texte imprimé", "印刷された文字", "인쇄된 글자", "painettu teksti", "gedrukte tekst", "texto impresso", "basılı metin", "печатный текст"),  # noqa: E501
    "landscape": ("landscape", "风景", "Landschaft", "paisaje", "paysage", "風景", "풍경", "maisema", "landschap", "paisagem", "manzara", "пейзаж"),  # noqa: E501
}

CONCEPT_NOUNS: dict[str, dict[str, str]] = {
    concept: dict(zip(LANGS, names, strict=True)) for concept, names in _CONCEPTS.items()
}

# Placeholders: {noun}, {detail} (the "detail" pattern around the specific label, or ""),
# {n}, {title}, {t}, {s}; "detail" defaults to " ({label})".
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "sure": "A photo of {noun}{detail}.",
        "likely": "A photo that probably shows {noun}{detail}.",
        "none": "A photo in which no familiar object was recognised with confidence.",
        "document": "A document with {n} lines of text{title}.",
        "screenshot": "A screenshot with {n} lines of text{title}.",
        "title": ", headed “{t}”",
        "text": "It contains the text “{s}”.",
        "face1": "One face is visible.",
        "faces": "{n} faces are visible.",
    },
    "zh": {
        "detail": "（{label}）",
        "sure": "一张{noun}的照片{detail}。",
        "likely": "这张照片可能拍的是{noun}{detail}。",
        "none": "一张照片，未能可靠地识别出熟悉的物体。",
        "document": "一份包含{n}行文字的文档{title}。",
        "screenshot": "一张包含{n}行文字的截图{title}。",
        "title": "，标题为“{t}”",
        "text": "图中文字为“{s}”。",
        "face1": "可以看到一张人脸。",
        "faces": "可以看到{n}张人脸。",
    },
    "de": {
        "sure": "Ein Foto mit folgendem Motiv: {noun}{detail}.",
        "likely": "Das Foto zeigt vermutlich: {noun}{detail}.",
        "none": "Ein Foto, auf dem kein bekanntes Objekt sicher erkannt wurde.",
        "document": "Ein Dokument mit {n} Textzeilen{title}.",
        "screenshot": "Ein Bildschirmfoto mit {n} Textzeilen{title}.",
        "title": ", Überschrift „{t}“",
        "text": "Es enthält den Text „{s}“.",
        "face1": "Ein Gesicht ist zu sehen.",
        "faces": "{n} Gesichter sind zu sehen.",
    },
    "es": {
        "sure": "Una foto que muestra: {noun}{detail}.",
        "likely": "Una foto que probablemente muestra: {noun}{detail}.",
        "none": "Una foto en la que no se reconoció con seguridad ningún objeto conocido.",
        "document": "Un documento con {n} líneas de texto{title}.",
        "screenshot": "Una captura de pantalla con {n} líneas de texto{title}.",
        "title": ", titulado «{t}»",
        "text": "Contiene el texto «{s}».",
        "face1": "Se ve una cara.",
        "faces": "Se ven {n} caras.",
    },
    "fr": {
        "sure": "Une photo montrant : {noun}{detail}.",
        "likely": "Une photo montrant probablement : {noun}{detail}.",
        "none": "Une photo dans laquelle aucun objet connu n’a été reconnu avec certitude.",
        "document": "Un document de {n} lignes de texte{title}.",
        "screenshot": "Une capture d’écran avec {n} lignes de texte{title}.",
        "title": ", intitulé « {t} »",
        "text": "Il contient le texte « {s} ».",
        "face1": "Un visage est visible.",
        "faces": "{n} visages sont visibles.",
    },
    "ja": {
        "detail": "（{label}）",
        "sure": "{noun}の写真です{detail}。",
        "likely": "{noun}が写っていると思われる写真です{detail}。",
        "none": "確実に認識できる物体が写っていない写真です。",
        "document": "{n}行のテキストを含む文書です{title}。",
        "screenshot": "{n}行のテキストを含むスクリーンショットです{title}。",
        "title": "（見出し「{t}」）",
        "text": "「{s}」という文字が含まれています。",
        "face1": "顔が1つ写っています。",
        "faces": "顔が{n}つ写っています。",
    },
    "ko": {
        "sure": "{noun} 사진입니다{detail}.",
        "likely": "{noun}(으)로 보이는 사진입니다{detail}.",
        "none": "확실하게 인식된 사물이 없는 사진입니다.",
        "document": "{n}줄의 텍스트가 있는 문서입니다{title}.",
        "screenshot": "{n}줄의 텍스트가 있는 스크린샷입니다{title}.",
        "title": " (제목: “{t}”)",
        "text": "“{s}”라는 텍스트가 있습니다.",
        "face1": "얼굴 1개가 보입니다.",
        "faces": "얼굴 {n}개가 보입니다.",
    },
    "fi": {
        "sure": "Valokuva, jossa on: {noun}{detail}.",
        "likely": "Valokuva, jossa on todennäköisesti: {noun}{detail}.",
        "none": "Valokuva, josta ei tunnistettu varmasti mitään tuttua kohdetta.",
        "document": "Asiakirja, jossa on tekstiä {n} rivillä{title}.",
        "screenshot": "Kuvakaappaus, jossa on tekstiä {n} rivillä{title}.",
        "title": ", otsikko ”{t}”",
        "text": "Siinä lukee ”{s}”.",
        "face1": "Kuvassa näkyvät yhdet kasvot.",
        "faces": "Kuvassa näkyy {n} kasvot.",
    },
    "nl": {
        "sure": "Een foto van: {noun}{detail}.",
        "likely": "Een foto die waarschijnlijk het volgende toont: {noun}{detail}.",
        "none": "Een foto waarop geen bekend object met zekerheid is herkend.",
        "document": "Een document met {n} regels tekst{title}.",
        "screenshot": "Een schermafbeelding met {n} regels tekst{title}.",
        "title": ", met de kop ‘{t}’",
        "text": "Er staat de tekst ‘{s}’ in.",
        "face1": "Er is één gezicht te zien.",
        "faces": "Er zijn {n} gezichten te zien.",
    },
    "pt": {
        "sure": "Uma foto que mostra: {noun}{detail}.",
        "likely": "Uma foto que provavelmente mostra: {noun}{detail}.",
        "none": "Uma foto em que nenhum objeto conhecido foi reconhecido com segurança.",
        "document": "Um documento com {n} linhas de texto{title}.",
        "screenshot": "Uma captura de tela com {n} linhas de texto{title}.",
        "title": ", intitulado “{t}”",
        "text": "Contém o texto “{s}”.",
        "face1": "Um rosto está visível.",
        "faces": "{n} rostos estão visíveis.",
    },
    "tr": {
        "sure": "Şunu gösteren bir fotoğraf: {noun}{detail}.",
        "likely": "Muhtemelen şunu gösteren bir fotoğraf: {noun}{detail}.",
        "none": "Bilinen hiçbir nesnenin kesin olarak tanınmadığı bir fotoğraf.",
        "document": "{n} satır metin içeren bir belge{title}.",
        "screenshot": "{n} satır metin içeren bir ekran görüntüsü{title}.",
        "title": ", başlık: “{t}”",
        "text": "Şu metni içeriyor: “{s}”.",
        "face1": "Bir yüz görünüyor.",
        "faces": "{n} yüz görünüyor.",
    },
    "ru": {
        "sure": "Фотография: {noun}{detail}.",
        "likely": "На фотографии, вероятно: {noun}{detail}.",
        "none": "Фотография, на которой не удалось уверенно распознать знакомые объекты.",
        "document": "Документ с текстом (строк: {n}){title}.",
        "screenshot": "Снимок экрана с текстом (строк: {n}){title}.",
        "title": ", заголовок «{t}»",
        "text": "В нём есть текст «{s}».",
        "face1": "Видно одно лицо.",
        "faces": "Видно лиц: {n}.",
    },
}
