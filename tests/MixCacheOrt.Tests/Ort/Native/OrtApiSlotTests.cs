using System.Text.RegularExpressions;
using MixCacheOrt.Ort.Native;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort.Native;

/// <summary>Every slot index the binding uses matches the OrtApi member list for API version 30.</summary>
public sealed partial class OrtApiSlotTests
{
    [Test]
    public void EverySlotMatchesTheApi30MemberList()
    {
        // TestData/ort-c-api-1.30-slots.txt: "<index>  <name>" for all 426 OrtApi members, checked against the 1.30.0 binary.
        Dictionary<string, int> indexByName = File.ReadLines(TestModels.PathOf("ort-c-api-1.30-slots.txt"))
            .Select(line => SlotLine().Match(line))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups[2].Value, match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(indexByName, Has.Count.EqualTo(426));

        foreach (OrtApiSlot slot in Enum.GetValues<OrtApiSlot>())
        {
            Assert.That(indexByName.TryGetValue(slot.ToString(), out int index), Is.True, $"{slot} is not an OrtApi member");
            Assert.That((int)slot, Is.EqualTo(index), $"slot index of {slot}");
        }
    }

    [GeneratedRegex(@"^\s*(\d+)\s+(\w+)\s*$")]
    private static partial Regex SlotLine();
}
