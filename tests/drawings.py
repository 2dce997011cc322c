"""Rendered drawings for the category tests: a floor plan (black on white and white on blue),
a P&ID, an electrical schematic and a map. Small, line art with the labels real ones carry."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tests.imagegen import font


def floor_plan(blueprint: bool = False) -> Image.Image:
    paper, ink = ((22, 60, 140), (235, 240, 255)) if blueprint else ((255, 255, 255), (0, 0, 0))
    image = Image.new("RGB", (1400, 1000), paper)
    d = ImageDraw.Draw(image)
    d.rectangle((100, 100, 1300, 860), outline=ink, width=8)
    d.line((700, 100, 700, 860), fill=ink, width=6)
    d.line((100, 480, 700, 480), fill=ink, width=6)
    d.line((700, 560, 1300, 560), fill=ink, width=6)
    label = font(30, bold=True)
    for text, (x, y) in (("KITCHEN", (300, 260)), ("LIVING ROOM", (900, 300)),
                         ("BEDROOM", (290, 650)), ("BATHROOM", (900, 690))):  # fmt: skip
        d.text((x, y), text, fill=ink, font=label)
    d.text((360, 40), "6000", fill=ink, font=font(26))
    d.text((960, 40), "6000", fill=ink, font=font(26))
    d.text((100, 900), "GROUND FLOOR PLAN    SCALE 1:100", fill=ink, font=font(28))
    return image


def pid() -> Image.Image:
    image = Image.new("RGB", (1400, 900), "white")
    d = ImageDraw.Draw(image)
    d.rectangle((120, 300, 320, 650), outline="black", width=4)  # vessel
    d.text((170, 460), "V-101", fill="black", font=font(26))
    d.line((320, 400, 1250, 400), fill="black", width=4)  # process line
    d.text((420, 360), '4"-P-1001-A1', fill="black", font=font(20))
    for i, tag in enumerate(("FT-101", "FV-101", "PT-102", "TT-103", "LIC-104")):
        x = 560 + i * 150
        d.ellipse((x, 180, x + 110, 290), outline="black", width=3)
        d.line((x + 55, 290, x + 55, 400), fill="black", width=2)
        d.text((x + 12, 222), tag, fill="black", font=font(20))
    d.ellipse((1150, 500, 1290, 640), outline="black", width=4)  # pump
    d.text((1180, 655), "P-101", fill="black", font=font(26))
    return image


def schematic() -> Image.Image:
    image = Image.new("RGB", (1200, 800), "white")
    d = ImageDraw.Draw(image)
    d.line((100, 200, 1100, 200), fill="black", width=3)
    d.line((100, 600, 1100, 600), fill="black", width=3)
    parts = (("R1", "10k"), ("R2", "4.7k"), ("C1", "100nF"), ("C2", "10uF"), ("U1", "5V"))
    for i, (name, value) in enumerate(parts):
        x = 180 + i * 190
        d.rectangle((x, 330, x + 60, 470), outline="black", width=3)
        d.line((x + 30, 200, x + 30, 330), fill="black", width=3)
        d.line((x + 30, 470, x + 30, 600), fill="black", width=3)
        d.text((x + 75, 360), name, fill="black", font=font(28, bold=True))
        d.text((x + 75, 410), value, fill="black", font=font(24))
    d.text((100, 680), "Power supply filter", fill="black", font=font(28))
    return image


def map_image() -> Image.Image:
    image = Image.new("RGB", (1400, 1000), (238, 236, 225))
    d = ImageDraw.Draw(image)
    d.polygon([(0, 620), (500, 540), (900, 700), (1400, 640), (1400, 760), (0, 760)],
              fill=(170, 205, 240))  # fmt: skip
    d.ellipse((900, 120, 1250, 380), fill=(200, 230, 190))
    d.line((100, 200, 1300, 480), fill=(240, 170, 60), width=10)
    for name, (x, y) in (("Riverside", (200, 460)), ("Oakford", (620, 260)),
                         ("Millbrook", (1000, 220)), ("Eastport", (1100, 820))):  # fmt: skip
        d.ellipse((x - 10, y - 10, x + 10, y + 10), fill="black")
        d.text((x + 18, y - 18), name, fill="black", font=font(30))
    d.text((80, 860), "Legend", fill="black", font=font(26, bold=True))
    d.text((80, 900), "Motorway", fill="black", font=font(22))
    d.line((1050, 930, 1300, 930), fill="black", width=6)
    d.text((1110, 880), "0 5 km", fill="black", font=font(26))
    d.text((1320, 40), "N", fill="black", font=font(44, bold=True))
    return image
